/**
 * What every fault scenario must leave behind: for each run a gapless seq, one run.completed, one
 * tool.call.succeeded per step, no dedupe key twice, a verifying hash chain and a projection equal
 * to its events; and every ws client that followed the runs saw each event once, in order.
 */
import type { Knex } from 'knex';
import { rebuildRunProjection } from '../lib/rebuild-projection';
import { verifyRunLog } from '../lib/verify-chain';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

/** Checks the runs' logs; returns each run's last seq (what a follower must have seen). */
export async function expectExactLogs(db: Knex, tenantId: string, runIds: string[], stepIds: string[]): Promise<Map<string, number>> {
  const events = await db('run_events').whereIn('run_id', runIds).orderBy(['run_id', 'seq']).select('run_id', 'seq', 'type', 'data', 'dedupe_key');
  const lastSeqs = new Map<string, number>();
  for (const runId of runIds) {
    const mine = events.filter((event) => event.run_id === runId);
    expect(mine.map((event) => event.seq)).toEqual(Array.from({ length: mine.length }, (_, index) => index + 1));
    expect(mine.filter((event) => event.type === 'run.completed')).toHaveLength(1);
    // Exactly one success per step: an attempt whose outcome Temporal never heard of is retried,
    // and the interceptor answers the retry with the recorded success.
    const succeededSteps = mine.filter((event) => event.type === 'tool.call.succeeded').map((event) => event.data.stepId as string);
    expect(succeededSteps.sort()).toEqual([...stepIds].sort());
    const verification = await verifyRunLog(db, { tenantId, runId });
    expect(verification).toMatchObject({ ok: true, chain: { ok: true, events: mine.length } });
    expect(await rebuildRunProjection(db, runId, { mode: 'check' })).toMatchObject({ differences: [] });
    lastSeqs.set(runId, mine.length);
  }
  const repeatedKeys = await db('run_events').whereIn('run_id', runIds).groupBy('dedupe_key').havingRaw('count(*) > 1').select('dedupe_key');
  expect(repeatedKeys).toEqual([]);
  return lastSeqs;
}

/** Waits until each client has every event of every run, then checks it got each exactly once, in order. */
export async function expectFollowersSawAll(clients: TestStreamClient[], lastSeqs: Map<string, number>): Promise<void> {
  const complete = (client: TestStreamClient) => [...lastSeqs].every(([runId, lastSeq]) => client.events(runId).length >= lastSeq);
  await Promise.all(clients.map((client) => client.waitFor(() => complete(client), 30_000)));
  for (const client of clients) {
    for (const [runId, lastSeq] of lastSeqs) {
      expect(client.events(runId).map((frame) => frame.seq)).toEqual(Array.from({ length: lastSeq }, (_, index) => index + 1));
    }
  }
}

/** The fault scenarios' load: starts the runs, then `clientCount` ws clients that follow all of them from seq 0. */
export async function startFollowedRuns(
  stack: { request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; wsUrl: string; adminKey: string },
  specs: unknown[],
  clientCount: number,
): Promise<{ runIds: string[]; clients: TestStreamClient[] }> {
  const started = await Promise.all(specs.map((spec) => stack.request('POST', '/v1/runs', spec)));
  expect(started.map((response) => response.status)).toEqual(Array(specs.length).fill(201));
  const runIds: string[] = started.map((response) => response.body.run.id);
  const clients = await Promise.all(Array.from({ length: clientCount }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey, { resubscribeMs: 500 })));
  for (const client of clients) for (const runId of runIds) client.send({ type: 'subscribe', runId, afterSeq: 0 });
  return { runIds, clients };
}

/** Waits (bounded) until the runs have at least `count` successful tool calls between them: progress, not time. */
export async function waitForSucceededCalls(db: Knex, runIds: string[], count: number): Promise<void> {
  const succeeded = async () =>
    Number((await db('run_events').whereIn('run_id', runIds).andWhere({ type: 'tool.call.succeeded' }).count<{ count: string }[]>('* as count'))[0]?.count);
  for (let waited = 0; (await succeeded()) < count; waited += 50) {
    if (waited > 60_000) throw new Error(`runs did not reach ${count} successful tool calls`);
    await sleep(50);
  }
}
