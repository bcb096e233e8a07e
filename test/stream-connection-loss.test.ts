/**
 * The ws stream across lost database connections, without stopping Postgres: this stack's API
 * connects under an application_name of its own, so the test can terminate exactly its LISTEN
 * connection or its pooled ones (pg_terminate_backend) while appends go on through another pool.
 * Events whose NOTIFY nobody heard (appended while the LISTEN connection was down) and reads that
 * died with their connection must still reach every follower: once each, in order.
 */
import type { Knex } from 'knex';
import { createLogOnlyRun, fillerFact } from '../bench/bench-runs';
import { createDb } from '../lib/db';
import { appendEvents, eventsChannel } from '../lib/event-log';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

const applicationName = `fd-conn-loss-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const listenQuery = `LISTEN ${eventsChannel};%`;

/** Waits (bounded) until `check` holds: a condition, never a fixed sleep, is the proof. */
async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

describe('ws followers across lost database connections', () => {
  let writer: Knex;
  const clients: TestStreamClient[] = [];

  /** This API's backends: its LISTEN connection, or its pool's. */
  const apiBackends = async (which: 'listen' | 'pool' | 'all'): Promise<number[]> => {
    const rows = await writer('pg_stat_activity')
      .where({ application_name: applicationName })
      .modify((query) => {
        // The notifier's one connection listens for events and streamed answers (api/event-notifier.ts).
        if (which === 'listen') query.andWhereLike('query', listenQuery);
        if (which === 'pool') query.andWhereRaw('query NOT LIKE ?', [listenQuery]);
      })
      .pluck('pid');
    return rows.map(Number);
  };
  /** Terminates the backends and waits until they have exited, so what follows happens without them. */
  const terminate = async (pids: number[]) => {
    for (const pid of pids) await writer.raw('select pg_terminate_backend(?, 10000)', [pid]);
  };
  const follow = async (runIds: string[], count: number) => {
    const followers = await Promise.all(Array.from({ length: count }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey, { resubscribeMs: 200 })));
    clients.push(...followers);
    for (const client of followers) for (const runId of runIds) client.send({ type: 'subscribe', runId, afterSeq: 0 });
    return followers;
  };
  const expectEveryEventOnce = async (followers: TestStreamClient[], lastSeqs: Map<string, number>) => {
    const complete = (client: TestStreamClient) => [...lastSeqs].every(([runId, lastSeq]) => client.events(runId).length >= lastSeq);
    await Promise.all(followers.map((client) => client.waitFor(() => complete(client), 30_000)));
    for (const client of followers) {
      for (const [runId, lastSeq] of lastSeqs) {
        expect(client.events(runId).map((frame) => frame.seq)).toEqual(Array.from({ length: lastSeq }, (_, index) => index + 1));
      }
    }
  };

  const stack = useTestStack(
    () => {
      const url = new URL(process.env.DATABASE_URL!);
      url.searchParams.set('application_name', applicationName);
      return { worker: 'none' as const, env: { DATABASE_URL: url.toString() } };
    },
    {
      beforeClose: async () => {
        await Promise.all(clients.map((client) => client.close()));
      },
    },
  );
  beforeAll(async () => {
    writer = createDb(process.env.DATABASE_URL!);
  });
  afterAll(async () => {
    await writer?.destroy();
  });

  it('catches up on events appended while its LISTEN connection is down', async () => {
    const runId = await createLogOnlyRun(writer, stack.tenantId);
    const target = { tenantId: stack.tenantId, runId };
    const followers = await follow([runId], 3);
    for (let index = 1; index <= 3; index += 1) await appendEvents(writer, target, [fillerFact(runId, index)]);
    await expectEveryEventOnce(followers, new Map([[runId, 4]]));

    const [listener] = await apiBackends('listen');
    expect(listener).toBeDefined();
    await terminate([listener!]);
    // Nobody listens now (the API waits before it reconnects): these appends' notices are lost,
    // and only the catch-up read after LISTEN is back can deliver them.
    for (let index = 4; index <= 6; index += 1) await appendEvents(writer, target, [fillerFact(runId, index)]);
    await expectEveryEventOnce(followers, new Map([[runId, 7]]));

    // Live again once a new LISTEN connection stands.
    await waitUntil(async () => (await apiBackends('listen')).some((pid) => pid !== listener), 'the API listens again');
    await appendEvents(writer, target, [fillerFact(runId, 7)]);
    await expectEveryEventOnce(followers, new Map([[runId, 8]]));
  });

  it('delivers every event once when its connections die while appends and reads go on', async () => {
    const runIds = await Promise.all(Array.from({ length: 4 }, () => createLogOnlyRun(writer, stack.tenantId)));
    const followers = await follow(runIds, 5);
    const appendsPerRun = 30;
    let appended = 0;
    const appending = (async () => {
      for (let index = 1; index <= appendsPerRun; index += 1) {
        await Promise.all(runIds.map((runId) => appendEvents(writer, { tenantId: stack.tenantId, runId }, [fillerFact(runId, index)])));
        appended = index;
      }
    })();
    // Kill the API's connections at three points of progress: its pool's (reads in flight fail),
    // then all of them (as a database restart does), then its pool's again.
    for (const [atIndex, which] of [
      [5, 'pool'],
      [15, 'all'],
      [25, 'pool'],
    ] as const) {
      await waitUntil(async () => appended >= atIndex, `${atIndex} appends per run`);
      await terminate(await apiBackends(which));
    }
    await appending;
    await expectEveryEventOnce(followers, new Map(runIds.map((runId) => [runId, appendsPerRun + 1])));
  });
});
