/**
 * The API's LISTEN connection against a database that goes silent: no reset, no answer. Without a
 * probe the connection would wait for notices for ever and every live stream would stall; with it,
 * the listener reconnects, says `resync`, and notices flow again.
 */
import pg from 'pg';
import pino from 'pino';
import { EventNotifier, type EventNotice } from '../api/event-notifier';
import { eventsChannel } from '../lib/event-log';
import { CuttableTcpProxy } from './cuttable-tcp-proxy';
import { until } from './wait';

const databaseUrl = () => process.env.DATABASE_URL ?? '';

async function notify(notice: EventNotice): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query('select pg_notify($1, $2)', [eventsChannel, JSON.stringify(notice)]);
  } finally {
    await client.end();
  }
}

describe('event notifier', () => {
  let proxy: CuttableTcpProxy;
  let notifier: EventNotifier;

  beforeEach(async () => {
    proxy = await CuttableTcpProxy.forUrl(databaseUrl()).start();
    const viaProxy = new URL(databaseUrl());
    viaProxy.port = new URL(proxy.url).port;
    viaProxy.hostname = '127.0.0.1';
    notifier = new EventNotifier(viaProxy.toString(), pino({ level: 'silent' }), { probeIntervalMs: 200, timeoutMs: 500 });
  });

  afterEach(async () => {
    await notifier.stop();
    await proxy.stop();
  });

  it('notices a hung connection, reconnects and resyncs, and hears notices again', async () => {
    const notices: EventNotice[] = [];
    let resyncs = 0;
    notifier.on('notice', (notice) => notices.push(notice));
    notifier.on('resync', () => (resyncs += 1));
    await notifier.start();

    await notify({ tenantId: 't', runId: 'before', seq: 1 });
    await until(() => notices.some(({ runId }) => runId === 'before'), { message: 'the first notice' });
    expect(proxy.connectionsAccepted).toBe(1);

    proxy.hang();
    await until(() => resyncs, { done: (count) => count > 0, message: 'a resync after the connection went silent', timeoutMs: 10_000 });
    expect(proxy.connectionsAccepted).toBe(2);

    await notify({ tenantId: 't', runId: 'after', seq: 1 });
    await until(() => notices.some(({ runId }) => runId === 'after'), { message: 'a notice on the new connection' });
  });
});
