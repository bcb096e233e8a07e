/**
 * Event append rate through `appendEvents` itself (transaction, row lock, dedupe check, seq, hash
 * chain, projection update, NOTIFY): one writer, and concurrent writers each on its own run — one
 * run's appends serialise on its row lock by design, while the worker's writers serve many runs.
 */
import type { Knex } from 'knex';
import { appendEvents } from '../lib/event-log';
import { createLogOnlyRun, fillerFact } from './bench-runs';
import { msSince, roundTo, summarizeLatencies, type LatencySummary } from './stats';

export interface AppendRateFigures {
  writers: number;
  eventsPerCall: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Latency of one appendEvents call (one transaction). */
  callLatency: LatencySummary;
}

export async function measureAppendRate(
  db: Knex,
  options: { tenantId: string; writers: number; eventsPerCall: number; durationMs: number },
): Promise<AppendRateFigures> {
  const runIds = await Promise.all(Array.from({ length: options.writers }, () => createLogOnlyRun(db, options.tenantId)));
  const callLatenciesMs: number[] = [];
  let events = 0;
  const startedAt = performance.now();
  const writer = async (runId: string) => {
    for (let next = 1; msSince(startedAt) < options.durationMs; next += options.eventsPerCall) {
      const facts = Array.from({ length: options.eventsPerCall }, (_, offset) => fillerFact(runId, next + offset));
      const callStartedAt = performance.now();
      const stored = await appendEvents(db, { tenantId: options.tenantId, runId }, facts);
      callLatenciesMs.push(msSince(callStartedAt));
      events += stored.length;
    }
  };
  await Promise.all(runIds.map((runId) => writer(runId)));
  const seconds = msSince(startedAt) / 1000;
  return {
    writers: options.writers,
    eventsPerCall: options.eventsPerCall,
    events,
    seconds: roundTo(seconds, 2),
    eventsPerSecond: Math.round(events / seconds),
    callLatency: summarizeLatencies(callLatenciesMs),
  };
}
