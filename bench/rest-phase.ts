/**
 * The REST part of the bench. `POST /v1/runs` (a 1-step echo plan) at fixed rates, each next to bare
 * Temporal's `workflow.start` at the same rate — the floor a POST, which starts a workflow, stands
 * on. Then the runs list over a separately seeded tenant, through an API acting for that tenant.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { terminalStatuses } from '../lib/events';
import type { ApiChild } from './flightdeck-processes';
import { echoPlanSpec, postRun, type FlightdeckEndpoint } from './flightdeck-runs';
import { atFixedRate, type FixedRateFigures } from './open-loop';
import type { BenchOptions } from './options';
import { cursorAfter, explainRunsList, measureGetLatency, seedRuns } from './runs-list';
import type { LatencySummary } from './stats';
import { awaitBaselineRuns, startBaselineRun } from './temporal-baseline';

export interface RunsListFigures {
  seededRuns: number;
  firstPage: LatencySummary;
  laterPage: LatencySummary & { offset: number };
  /** EXPLAIN (ANALYZE, BUFFERS) of the SQL listRuns sends, first page and later page. */
  explain: { firstPage: string[]; laterPage: string[] };
}

export interface RestFigures {
  postRuns: FixedRateFigures[];
  temporalStart: FixedRateFigures[];
  runsList: RunsListFigures;
}

const drainTimeoutMs = 180_000;

export async function measureRestLatencies(deps: {
  db: Knex;
  endpoint: FlightdeckEndpoint;
  baseline: { client: Client; taskQueue: string };
  options: Pick<BenchOptions, 'BENCH_POST_RATES' | 'BENCH_POST_MS' | 'BENCH_SEED_RUNS' | 'BENCH_LIST_REQUESTS'>;
  seededTenant: string;
  startListApi: () => Promise<ApiChild>;
}): Promise<RestFigures> {
  const { db, endpoint, baseline, options } = deps;
  const postRuns: FixedRateFigures[] = [];
  const temporalStart: FixedRateFigures[] = [];
  for (const ratePerSecond of options.BENCH_POST_RATES) {
    const load = { ratePerSecond, durationMs: options.BENCH_POST_MS };
    temporalStart.push(
      await atFixedRate(
        load,
        () => startBaselineRun(baseline.client, baseline.taskQueue, 1),
        (ids) => awaitBaselineRuns(baseline.client, ids),
      ),
    );
    postRuns.push(
      await atFixedRate(
        load,
        () => postRun(endpoint, echoPlanSpec(1)),
        (ids) => waitForRunsToEnd(db, ids, drainTimeoutMs),
      ),
    );
  }
  return { postRuns, temporalStart, runsList: await measureRunsList(deps) };
}

async function measureRunsList(deps: {
  db: Knex;
  endpoint: FlightdeckEndpoint;
  options: Pick<BenchOptions, 'BENCH_SEED_RUNS' | 'BENCH_LIST_REQUESTS'>;
  seededTenant: string;
  startListApi: () => Promise<ApiChild>;
}): Promise<RunsListFigures> {
  const { db, options } = deps;
  await seedRuns(db, deps.seededTenant, options.BENCH_SEED_RUNS);
  const listApi = await deps.startListApi();
  try {
    const endpoint = { ...deps.endpoint, apiUrl: listApi.apiUrl, wsUrl: listApi.wsUrl };
    // Halfway down (page 1,001 of 2,000 at 100k runs): the cursor path, far from the index's ends.
    const offset = Math.floor(options.BENCH_SEED_RUNS / 2);
    const cursor = await cursorAfter(db, deps.seededTenant, offset);
    const requests = { requests: options.BENCH_LIST_REQUESTS, warmUp: Math.min(20, options.BENCH_LIST_REQUESTS) };
    const firstPage = await measureGetLatency(endpoint, '/v1/runs?limit=50', requests);
    const laterPage = await measureGetLatency(endpoint, `/v1/runs?limit=50&cursor=${cursor.encoded}`, requests);
    const explain = { firstPage: await explainRunsList(db, deps.seededTenant), laterPage: await explainRunsList(db, deps.seededTenant, cursor) };
    return { seededRuns: options.BENCH_SEED_RUNS, firstPage, laterPage: { ...laterPage, offset }, explain };
  } finally {
    await listApi.stop();
  }
}

/** Polls the projection until every run has ended. */
export async function waitForRunsToEnd(db: Knex, runIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db('runs')
      .whereIn('id', runIds)
      .whereIn('status', [...terminalStatuses])
      .count<Array<{ count: string }>>({ count: '*' });
    const ended = Number(row?.count ?? 0);
    if (ended >= runIds.length) return;
    if (Date.now() > deadline) throw new Error(`${runIds.length - ended} runs still not ended after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
