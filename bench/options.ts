/** The benchmark's knobs, from the environment (documented in docs/performance.md). */
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
  BENCH_STEPS: numberList('1,5,20'),
  BENCH_CONCURRENCY: numberList('1,10,100'),
  /** Each round of a cell starts runs for this long, then waits for those in flight. */
  BENCH_ROUND_MS: z.coerce.number().int().min(200).default(3_000),
  /** Rounds of each system per cell, alternating a, b, a, b… */
  BENCH_ROUNDS: z.coerce.number().int().min(1).default(2),
  BENCH_APPEND_MS: z.coerce.number().int().min(200).default(3_000),
  BENCH_WS_SUBSCRIBERS: numberList('1,100,1000'),
  /** POST /v1/runs arrival rates; the target is judged at 50/s, 10/s shows the API below saturation. */
  BENCH_POST_RATES: numberList('10,50'),
  BENCH_POST_MS: z.coerce.number().int().min(200).default(5_000),
  BENCH_SEED_RUNS: z.coerce.number().int().min(200).default(100_000),
  BENCH_LIST_REQUESTS: z.coerce.number().int().min(1).default(200),
  BENCH_OUTPUT: z.string().default('bench/results/latest.json'),
  /** Which parts run: the runs matrix, event append, ws delivery, REST (POST and runs list). */
  BENCH_PARTS: z
    .string()
    .default('runs,append,ws,rest')
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(['runs', 'append', 'ws', 'rest'])).min(1)),
  /** Whether the DBOS Transact peer runs beside bare Temporal and Flightdeck in the runs matrix. */
  BENCH_DBOS: envBoolean.default(true),
  /**
   * The bench's own dev server: Flightdeck's tuned flags, or start-dev's defaults (to show what the
   * flags buy; the dispatch cap then dominates). Ignored with TEMPORAL_ADDRESS.
   */
  BENCH_TEMPORAL_FLAGS: z.enum(['tuned', 'defaults']).default('tuned'),
  /**
   * Flightdeck as `npm start` runs it by default, the API and the worker in one process (eager run
   * starts), or as separate processes (production's shape, and scale-out).
   */
  BENCH_FLIGHTDECK_MODE: z.enum(['combined', 'separate']).default('combined'),
});
export type BenchOptions = z.infer<typeof benchEnvSchema>;

export const parseBenchOptions = (env: NodeJS.ProcessEnv = process.env): BenchOptions => parseEnv(benchEnvSchema, env);
