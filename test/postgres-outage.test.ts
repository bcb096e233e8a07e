/**
 * Postgres unavailable for 10 s mid-run: this file's own embedded Postgres is stopped and started
 * again on the same port and data, while 20 five-step runs are in flight and 50 ws clients follow
 * them (the rest of the suite keeps the shared database). While it is down the API answers 503 with
 * the error shape (readyz and a route); activities retry; afterwards every run completes with an
 * exact log and every follower has every event once, in order.
 */
import { mkdtemp, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest } from '../lib/db';
import { ensureDatabase, withDatabase } from '../scripts/embedded-postgres';
import { freePort } from '../scripts/free-port';
import { startPostgresProcess, type PostgresProcess } from './embedded-postgres-process';
import { expectExactLogs, expectFollowersSawAll } from './exact-logs';
import { startTestStack, type TestStack } from './stack';
import { TestStreamClient } from './ws-client';

const runCount = 20;
const stepIds = ['s1', 's2', 's3', 's4', 's5'];
const downtimeMs = 10_000;
const plan = (index: number) => ({
  name: `pg-outage-${index}`,
  plan: { steps: stepIds.map((id) => ({ id, tool: 'builtin.wait', args: { seconds: 1 }, timeout: '10s', retry: { maxAttempts: 100, initialInterval: '500ms', maximumInterval: '2s' } })) },
});

describe('Postgres unavailable for 10 s mid-run', () => {
  let postgres: PostgresProcess | null = null;
  let stack: TestStack;
  const clients: TestStreamClient[] = [];
  let start: () => Promise<PostgresProcess>;

  beforeAll(async () => {
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'fd-pg-outage-'));
    await chmod(baseDir, 0o755); // the postgres user must enter it when we are root
    const port = await freePort();
    start = () => startPostgresProcess(path.join(baseDir, 'pg'), port);
    postgres = await start();
    await ensureDatabase(postgres.urlFor('postgres'), 'flightdeck');
    const url = withDatabase(postgres.urlFor('postgres'), 'flightdeck');
    const db = createDb(url);
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
    stack = await startTestStack({ env: { DATABASE_URL: url } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await stack?.close();
    await postgres?.stop();
  });

  it('answers 503 while down, then completes every run with nothing lost or doubled', async () => {
    const started = await Promise.all(Array.from({ length: runCount }, (_, index) => stack.request('POST', '/v1/runs', plan(index))));
    expect(started.map((response) => response.status)).toEqual(Array(runCount).fill(201));
    const runIds: string[] = started.map((response) => response.body.run.id);
    clients.push(...(await Promise.all(Array.from({ length: 50 }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey)))));
    for (const client of clients) for (const runId of runIds) client.send({ type: 'subscribe', runId, afterSeq: 0 });

    const succeeded = async () =>
      Number((await stack.db('run_events').whereIn('run_id', runIds).andWhere({ type: 'tool.call.succeeded' }).count<{ count: string }[]>('* as count'))[0]?.count);
    for (let waited = 0; (await succeeded()) < 20; waited += 50) {
      if (waited > 60_000) throw new Error('runs made no progress before the outage');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await postgres!.stop();
    postgres = null;
    const downSince = Date.now();

    const ready = await fetch(`${stack.apiUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    const runs = await stack.request('GET', '/v1/runs');
    expect(runs).toMatchObject({ status: 503, body: { error: { code: 'unavailable', message: expect.any(String) } } });
    const events = await stack.request('GET', `/v1/runs/${runIds[0]}/events`);
    expect(events.status).toBe(503);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, downtimeMs - (Date.now() - downSince))));
    postgres = await start();

    // A subscribe the hub could not serve while the database was down is refused with `unavailable`
    // and the run id: the client subscribes again with the last seq it has (none yet, here).
    const resubscribed = new Map(clients.map((client) => [client, new Set<string>()]));
    const resubscribe = () => {
      for (const client of clients) {
        for (const frame of client.frames) {
          const runId = frame.type === 'error' && frame.error.code === 'unavailable' ? (frame.error.details as { runId?: string } | null)?.runId : undefined;
          if (!runId || resubscribed.get(client)!.has(runId)) continue;
          resubscribed.get(client)!.add(runId);
          client.send({ type: 'subscribe', runId, afterSeq: client.events(runId).at(-1)?.seq ?? 0 });
        }
      }
    };
    const resubscribing = setInterval(resubscribe, 200);
    try {
      for (const runId of runIds) expect((await stack.waitForRun(runId, { timeoutMs: 120_000 })).status).toBe('completed');
      await new Promise((resolve) => setTimeout(resolve, 500));
      resubscribe();
    } finally {
      clearInterval(resubscribing);
    }
    const lastSeqs = await expectExactLogs(stack.db, stack.tenantId, runIds, stepIds);
    await expectFollowersSawAll(clients, lastSeqs);
  }, 300_000);
});
