/**
 * Postgres unavailable for 10 s mid-run: this file's own embedded Postgres is stopped and started
 * again on the same port and data, while 20 five-step runs are in flight and 50 ws clients follow
 * them (the rest of the suite keeps the shared database). While it is down the API answers 503 with
 * the error shape (readyz and a route); activities retry; afterwards every run completes with an
 * exact log, and every ws follower ends with every event of every run once, in order: subscriptions
 * whose reads failed catch up by themselves, and subscribes refused while down (the followers' own,
 * still being served when the database went, and a late follower's) are sent again by the client —
 * also those refused as `rate_limited` by the storm of resubscribes (all clients share one key).
 */
import { mkdtemp, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest } from '../lib/db';
import { ensureDatabase, withDatabase } from '../scripts/embedded-postgres';
import { freePort } from '../scripts/free-port';
import { startPostgresProcess, type PostgresProcess } from './embedded-postgres-process';
import { expectExactLogs, expectFollowersSawAll, startFollowedRuns, waitForSucceededCalls } from './exact-logs';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

const runCount = 20;
const stepIds = ['s1', 's2', 's3', 's4', 's5'];
const downtimeMs = 10_000;
const refusedSubscribes = (client: TestStreamClient) =>
  client.frames.filter((frame) => frame.type === 'error' && frame.error.code === 'unavailable' && (frame.error.details as { runId?: string } | null)?.runId)
    .length;
const plan = (index: number) => ({
  name: `pg-outage-${index}`,
  plan: {
    steps: stepIds.map((id) => ({
      id,
      tool: 'builtin.wait',
      args: { seconds: 1 },
      timeout: '10s',
      retry: { maxAttempts: 100, initialInterval: '500ms', maximumInterval: '2s' },
    })),
  },
});

describe('Postgres unavailable for 10 s mid-run', () => {
  let postgres: PostgresProcess | null = null;
  const clients: TestStreamClient[] = [];
  let start: () => Promise<PostgresProcess>;
  let url: string;

  beforeAll(async () => {
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'fd-pg-outage-'));
    await chmod(baseDir, 0o755); // the postgres user must enter it when we are root
    const port = await freePort();
    start = () => startPostgresProcess(path.join(baseDir, 'pg'), port);
    postgres = await start();
    await ensureDatabase(postgres.urlFor('postgres'), 'flightdeck');
    url = withDatabase(postgres.urlFor('postgres'), 'flightdeck');
    const db = createDb(url);
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
  }, 120_000);
  const stack = useTestStack(() => ({ env: { DATABASE_URL: url } }), {
    beforeClose: async () => {
      await Promise.all(clients.map((client) => client.close()));
    },
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  it('answers 503 while down, then completes every run with nothing lost or doubled', async () => {
    const { runIds, clients: followers } = await startFollowedRuns(
      stack,
      Array.from({ length: runCount }, (_, index) => plan(index)),
      50,
    );
    clients.push(...followers);
    await waitForSucceededCalls(stack.db, runIds, 20);
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

    // A follower that arrives while the database is down: each subscribe is refused as `unavailable`
    // with its runId, and it subscribes again (as the contract asks) until the database is back.
    const lateFollower = await TestStreamClient.connect(stack.wsUrl, stack.adminKey, { resubscribeMs: 500 });
    clients.push(lateFollower);
    for (const runId of runIds) lateFollower.send({ type: 'subscribe', runId, afterSeq: 0 });
    await lateFollower.waitFor(() => refusedSubscribes(lateFollower) > 0);

    await sleep(Math.max(0, downtimeMs - (Date.now() - downSince)));
    postgres = await start();

    for (const runId of runIds) expect((await stack.waitForRun(runId, { timeoutMs: 120_000 })).status).toBe('completed');
    const lastSeqs = await expectExactLogs(stack.db, stack.tenantId, runIds, stepIds);
    expect(refusedSubscribes(lateFollower)).toBeGreaterThan(0);
    // Every follower, including the one whose subscribes were all refused while down, ends with
    // every event of every run, once, in order.
    await expectFollowersSawAll(clients, lastSeqs);
  }, 300_000);
});
