/**
 * Runs the benchmark writes straight into the event log (no workflow behind them): append-rate
 * writers and ws-latency targets. Their first fact is a real `run.created`, as the log requires.
 */
import type { Knex } from 'knex';
import { appendEvents } from '../lib/event-log';
import type { NewEvent } from '../lib/events';
import { newRunId, specHash } from '../lib/ids';
import type { RunCreatedData } from '../lib/run-projection';
import { runModeOf, runSpecSchema } from '../lib/run-spec';
import { dedupeKeys } from '../lib/workflow-contract';
import { echoPlanSpec } from './flightdeck-runs';

export function benchRunCreatedData(steps = 1): RunCreatedData {
  const spec = runSpecSchema.parse(echoPlanSpec(steps));
  return { spec, specHash: specHash(spec), mode: runModeOf(spec), name: spec.name ?? null, tags: spec.tags, idempotencyKey: null };
}

/** Creates a run with only `run.created` in its log; returns its id. */
export async function createLogOnlyRun(db: Knex, tenantId: string): Promise<string> {
  const runId = newRunId();
  await appendEvents(db, { tenantId, runId }, [
    { type: 'run.created', dedupeKey: dedupeKeys.runFact(runId, 'run.created'), data: { ...benchRunCreatedData() }, actor: null },
  ]);
  return runId;
}

/** The `index`-th filler fact of a run: a small `step.started`, unique by its dedupe key. */
export function fillerFact(runId: string, index: number): NewEvent {
  return { type: 'step.started', dedupeKey: dedupeKeys.runFact(runId, `bench/${index}`), data: { stepId: `step${index}`, tool: 'builtin.echo' } };
}
