/**
 * `npm run bench:rate-limit [-- --seconds 5]`: what the per-key rate limit costs a request. The
 * shared limiter leasing one token per statement (a round trip per request) and 60 (the lease at
 * the default 6,000/min), against the in-process one and a bare `select 1`, with 1 and 8 concurrent
 * callers, on one key (a hot row) and on a key each.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { MemoryRateLimiter, PostgresRateLimiter, type RateLimiter } from '../api/rate-limiter';
import { runTableBench } from './bench-database';
import { summarizeLatencies } from './stats';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(args.seconds);
// High enough that the bench measures the take itself, never a refusal.
const perMinute = 100_000_000;

async function measure(name: string, limiter: RateLimiter, callers: number, options: { sharedKey: boolean }) {
  const latenciesMs: number[] = [];
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, index) => {
      const bucket = options.sharedKey ? 'bench/hot' : `bench/key-${index}`;
      while (performance.now() < until) {
        const callStarted = performance.now();
        await limiter.take(bucket);
        latenciesMs.push(performance.now() - callStarted);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const { p50Ms, p99Ms, meanMs } = summarizeLatencies(latenciesMs);
  return { limiter: name, callers, keys: options.sharedKey ? 'one' : 'one each', takesPerS: Math.round(latenciesMs.length / elapsedS), p50Ms, p99Ms, meanMs };
}

runTableBench(seconds, async (db) => {
  const log = pino({ level: 'silent' });
  const perRequest = new PostgresRateLimiter(db, perMinute, log, { leaseSize: 1 });
  const leased = new PostgresRateLimiter(db, perMinute, log, { leaseSize: 60 });
  const memory = new MemoryRateLimiter(perMinute);
  // What any one Postgres round trip costs here, for scale.
  const roundTrip: RateLimiter = { enabled: true, take: async () => (await db.raw('select 1'), 0) };
  const measured = [];
  for (const [name, limiter] of [
    ['postgres, lease 1', perRequest],
    ['postgres, lease 60', leased],
    ['memory', memory],
    ['select 1 (round trip)', roundTrip],
  ] as const) {
    measured.push(await measure(name, limiter, 1, { sharedKey: true }));
    measured.push(await measure(name, limiter, 8, { sharedKey: true }));
    measured.push(await measure(name, limiter, 8, { sharedKey: false }));
  }
  return measured;
});
