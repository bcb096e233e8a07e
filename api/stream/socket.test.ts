import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { AppError } from '../../lib/errors';
import { closeCodes } from '../../lib/stream';
import type { Principal } from '../auth';
import { errorFrame, StreamSocket } from './socket';

const principal: Principal = { tenantId: 't', role: 'admin', superAdmin: false, actor: { type: 'api_key', id: 'k' } };
const log = pino({ level: 'silent' });

describe('StreamSocket: one client socket, its backpressure bound and heartbeat', () => {
  let wss: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  /** A connected pair: the server side wrapped, the client side raw. */
  async function connect(maxBufferedBytes: number) {
    const lagging: string[] = [];
    const accepted = new Promise<StreamSocket>((resolve) =>
      wss.once('connection', (ws) => resolve(new StreamSocket(ws, principal, { maxBufferedBytes, log, onLagging: () => lagging.push('lagging') }))),
    );
    const client = new WebSocket(url);
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    const [server] = await Promise.all([accepted, new Promise((resolve) => client.once('open', resolve))]);
    return { server, client, received, closed, lagging };
  }

  it('sends frames as JSON text while under the bound', async () => {
    const { server, client, received } = await connect(1024 * 1024);
    expect(server.send({ type: 'pong' })).toBe(true);
    expect(server.sendEncoded(Buffer.from('{"type":"subscribed","runs":true}'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((text) => JSON.parse(text))).toEqual([{ type: 'pong' }, { type: 'subscribed', runs: true }]);
    client.close();
  });

  it('closes a client over the bound as lagging, tells its owner, and sends it nothing more', async () => {
    // Below zero, even an empty send buffer is over the bound.
    const { server, closed, lagging, received } = await connect(-1);
    expect(server.send({ type: 'pong' })).toBe(false);
    expect(lagging).toEqual(['lagging']);
    expect(await closed).toBe(closeCodes.lagging);
    expect(server.send({ type: 'pong' })).toBe(false);
    expect(lagging).toHaveLength(1);
    expect(received).toEqual([]);
  });

  it('runs a page once its unsent bytes leave room for it, one page at a time, and none once the socket is gone', async () => {
    const bound = 256 * 1024;
    const { server, client } = await connect(bound);
    const socket = (client as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    // Fill the send buffer (the kernel's too) while the client reads nothing.
    const chunk = Buffer.from(JSON.stringify({ type: 'pong', pad: 'x'.repeat(64 * 1024) }));
    const serverSocket = (server as unknown as { socket: WebSocket }).socket;
    while (serverSocket.bufferedAmount === 0) {
      server.sendEncoded(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const order: string[] = [];
    const first = server.withRoomFor(bound, async () => order.push('first'));
    const second = server.withRoomFor(1, async () => order.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual([]); // no room while the client reads nothing; the second waits its turn
    socket.resume();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    client.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await server.withRoomFor(1, async () => order.push('third'))).toBeNull();
    expect(order).toEqual(['first', 'second']);
  });

  it('pings on a beat, and terminates a socket that did not answer the one before', async () => {
    const { server, client, closed } = await connect(1024 * 1024);
    // The client's pong only arrives later: two beats in a row find it silent.
    expect(server.beat()).toBe(true);
    expect(server.beat()).toBe(false);
    expect(await closed).toBe(1006);
    client.terminate();
  });

  it('keeps a socket that answered its ping', async () => {
    const { server, client } = await connect(1024 * 1024);
    const ponged = new Promise((resolve) => client.once('ping', () => setTimeout(resolve, 50)));
    expect(server.beat()).toBe(true);
    await ponged;
    expect(server.beat()).toBe(true);
    client.close();
  });
});

describe('errorFrame', () => {
  it('passes an AppError through, names an unavailable database, and hides anything else', () => {
    expect(errorFrame(new AppError('not_found', 'run r not found', { runId: 'r' }), log)).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'not_found', message: 'run r not found' }),
    });
    expect(errorFrame(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), log).error).toMatchObject({ code: 'unavailable' });
    expect(errorFrame(new Error('secret internals'), log).error).toMatchObject({ code: 'internal', message: 'internal error' });
  });
});
