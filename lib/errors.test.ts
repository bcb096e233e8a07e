import net from 'node:net';
import pg from 'pg';
import { createDb } from './db';
import { isUnavailableError } from './errors';

/** Real node-postgres and knex errors for a lost or unreachable Postgres: each must read as `unavailable`. */
describe('isUnavailableError', () => {
  let server: net.Server;
  let url: string;
  beforeAll(async () => {
    // Accepts and hangs up at once: what a Postgres that is going down does to a new connection.
    server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `postgres://u:p@127.0.0.1:${(server.address() as net.AddressInfo).port}/db`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const failureOf = async (attempt: () => Promise<unknown>): Promise<unknown> => {
    try {
      await attempt();
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  };

  it('classifies a connection hung up by the server, from pg and from knex', async () => {
    const client = new pg.Client({ connectionString: url });
    const fromPg = await failureOf(() => client.connect());
    expect((fromPg as Error).message).toMatch(/Connection terminated/);
    expect(isUnavailableError(fromPg)).toBe(true);

    const db = createDb(url, { log: { warn: () => undefined, error: () => undefined } });
    try {
      const fromKnex = await failureOf(() => db.raw('select 1'));
      expect(isUnavailableError(fromKnex)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('leaves query mistakes and other errors alone', () => {
    expect(isUnavailableError(Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' }))).toBe(false);
    expect(isUnavailableError(new Error('select 1 - something else broke'))).toBe(false);
    expect(isUnavailableError(new Error('Connection terminated by the operator, not by us'))).toBe(false);
    expect(isUnavailableError('Connection terminated')).toBe(false);
  });
});
