/**
 * Requests at a fixed arrival rate (open loop): a slow answer does not delay the next request, so
 * the latencies are what clients arriving at that rate would see, queueing included.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { msSince, roundTo, summarizeLatencies, type LatencySummary } from './stats';

export interface FixedRateFigures {
  ratePerSecond: number;
  requests: number;
  failed: number;
  latency: LatencySummary;
  /** How late the load generator sent its worst request: near 0 means the rate was really offered. */
  maxSendLagMs: number;
  /** After the last answer, how long until every started run had completed (the worker's backlog). */
  drainSeconds: number;
  errors: string[];
}

/**
 * Calls `send` at `ratePerSecond` for `durationMs`; each call starts a run and resolves with its id.
 * Then `drain(ids)` waits for those runs to end, so their work does not leak into what comes next.
 */
export async function atFixedRate(
  options: { ratePerSecond: number; durationMs: number },
  send: () => Promise<string>,
  drain: (ids: string[]) => Promise<void>,
): Promise<FixedRateFigures> {
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.round(options.durationMs / intervalMs);
  const latenciesMs: number[] = [];
  const ids: string[] = [];
  const errors: string[] = [];
  let maxSendLagMs = 0;
  const startedAt = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let index = 0; index < total; index += 1) {
    const scheduledAt = startedAt + index * intervalMs;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, sentAt - scheduledAt);
    inFlight.push(
      send().then(
        (id) => {
          latenciesMs.push(msSince(sentAt));
          ids.push(id);
        },
        (error: unknown) => {
          if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const lastAnsweredAt = performance.now();
  await drain(ids);
  return {
    ratePerSecond: options.ratePerSecond,
    requests: total,
    failed: total - latenciesMs.length,
    latency: summarizeLatencies(latenciesMs),
    maxSendLagMs: roundTo(maxSendLagMs, 2),
    drainSeconds: roundTo(msSince(lastAnsweredAt) / 1000, 2),
    errors,
  };
}
