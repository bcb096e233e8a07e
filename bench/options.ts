/** The benchmark's knobs, from the environment (their table in docs/performance.md is generated from these descriptions). */
import { z } from 'zod';
import { envBoolean, parseEnv } from '../lib/config';

const numberList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text) => text.split(',').map((part) => Number(part.trim())))
    .pipe(z.array(z.number().int().positive()).min(1));

export const benchEnvSchema = z.object({
  /** Steps per run (N) and concurrent virtual users (C) of the comparison matrix. */
  BENCH_STEPS: numberList('1,5,20').describe('Steps per run (N) of the runs matrix, a comma list.'),
  BENCH_CONCURRENCY: numberList('1,10,100').describe('Concurrent virtual users (C) of the runs matrix, a comma list.'),
  /** Each round of a cell starts runs for this long, then waits for those in flight. */
  BENCH_ROUND_MS: z.coerce
    .number()
    .int()
    .min(200)
    .default(3_000)
    .describe('Each round of a matrix cell starts runs for this long (ms), then waits for those in flight.'),
  /** Rounds of each system per cell, alternating a, b, a, b… */
  BENCH_ROUNDS: z.coerce.number().int().min(1).default(2).describe('Rounds of each system per cell, alternating between the systems.'),
  BENCH_FAN_OUT_RUNS: z.coerce
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('Runs (one at a time, after one uncounted warm-up run) of the 10- and of the 100-parallel-call definition.'),
  BENCH_APPEND_MS: z.coerce.number().int().min(200).default(3_000).describe('How long (ms) each event-append shape runs.'),
  BENCH_WS_SUBSCRIBERS: numberList('1,100,1000').describe('Subscribers of one run for the ws delivery part, a comma list.'),
  /** POST /v1/runs arrival rates; the target is judged at 50/s, 10/s shows the API below saturation. */
  BENCH_POST_RATES: numberList('10,50').describe('Fixed arrival rates (per second) of `POST /v1/runs` and of bare `workflow.start`, a comma list.'),
  BENCH_POST_MS: z.coerce.number().int().min(200).default(5_000).describe('How long (ms) each arrival rate runs.'),
  BENCH_SEED_RUNS: z.coerce.number().int().min(200).default(100_000).describe('Runs seeded into a tenant of their own for the runs-list latency.'),
  BENCH_LIST_REQUESTS: z.coerce.number().int().min(1).default(200).describe('`GET /v1/runs?limit=50` requests per page measured (first page, a later page).'),
  BENCH_STREAM_CONCURRENCY: z.coerce.number().int().min(1).default(100).describe('Concurrent streaming agent runs (virtual users) of the stream part.'),
  BENCH_QUICK: envBoolean
    .default(false)
    .describe('A quick look: the stream part at 20 concurrent runs instead of `BENCH_STREAM_CONCURRENCY`; other parts keep their sizes.'),
  BENCH_OUTPUT: z.string().default('bench/results/latest.json').describe('Where the results file is written (relative to the repository).'),
  /** Which parts run: the runs matrix, definitions, event append, ws delivery, REST (POST and runs list), streamed answers. */
  BENCH_PARTS: z
    .string()
    .default('runs,definitions,append,ws,rest,stream')
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(['runs', 'definitions', 'append', 'ws', 'rest', 'stream'])).min(1))
    .describe(
      'Which parts run: `runs` (the matrix), `definitions` (a 5-call definition against the 5-step plan; 10 and 100 parallel calls in one run), `append`, `ws`, `rest` (POST and runs list), `stream` (streamed answers of agent runs: delta latency, CPU of chunking).',
    ),
  /** Whether the DBOS Transact peer runs beside bare Temporal and Flightdeck in the runs matrix. */
  BENCH_DBOS: envBoolean.default(true).describe('Whether the DBOS Transact peer runs beside bare Temporal and Flightdeck in the matrix.'),
  /**
   * The bench's own dev server: Flightdeck's tuned flags, or start-dev's defaults (to show what the
   * flags buy; the dispatch cap then dominates). Ignored with TEMPORAL_ADDRESS.
   */
  BENCH_TEMPORAL_FLAGS: z
    .enum(['tuned', 'defaults'])
    .default('tuned')
    .describe('The bench’s own Temporal dev server: Flightdeck’s tuned flags, or `start-dev` defaults; ignored with TEMPORAL_ADDRESS.'),
  /**
   * Flightdeck as `npm start` runs it by default, the API and the worker in one process (eager run
   * starts), or as separate processes (production's shape, and scale-out).
   */
  BENCH_FLIGHTDECK_MODE: z
    .enum(['combined', 'separate'])
    .default('combined')
    .describe('`combined`: the API and the worker in one process (eager run starts), as `npm start` runs them; `separate`: two processes.'),
});
export type BenchOptions = z.infer<typeof benchEnvSchema>;

export const parseBenchOptions = (env: NodeJS.ProcessEnv = process.env): BenchOptions => parseEnv(benchEnvSchema, env);
