/**
 * Long lists for the dashboard's scale test, written through the event log's one door
 * (`appendEvents`: seq, hash chain and `runs` projection as for any run) without a workflow
 * behind them, so a thousand runs take seconds, not minutes of Temporal work.
 */
import type { Knex } from 'knex';
import { benchRunCreatedData } from '../bench/bench-runs';
import { appendEvents } from '../lib/event-log';
import type { EventDataInput } from '../lib/event-schemas';
import type { EventType, NewEvent } from '../lib/events';
import { newRunId } from '../lib/ids';
import { dedupeKeys } from '../lib/workflow-contract';
import { attemptData, fact as anyFact } from './event-facts';

const fact = <T extends EventType>(runId: string, type: T, key: string, data: EventDataInput<T>): NewEvent =>
  anyFact(type, dedupeKeys.runFact(runId, key), data);

/** `count` completed one-step runs named `seeded-<n>` (n from 1, oldest first); returns their ids in creation order. */
export async function seedCompletedRuns(db: Knex, tenantId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 1; index <= count; index += 1) {
    const runId = newRunId();
    await appendEvents(db, { tenantId, runId }, [
      fact(runId, 'run.created', 'run.created', { ...benchRunCreatedData(), name: `seeded-${index}`, tags: ['seeded'] }),
      fact(runId, 'run.started', 'run.started', {}),
      fact(runId, 'run.completed', 'run.completed', { output: { index } }),
    ]);
    ids.push(runId);
  }
  return ids;
}

/** A plan run's facts: created, started, then per step `step.started` and one successful call with `output(step)`. */
function planRunFacts(runId: string, name: string, steps: number, output: (step: number) => unknown): NewEvent[] {
  const facts: NewEvent[] = [fact(runId, 'run.created', 'run.created', { ...benchRunCreatedData(), name }), fact(runId, 'run.started', 'run.started', {})];
  for (let step = 1; step <= steps; step += 1) {
    const call = attemptData(`step-${step}`, 1, String(step));
    facts.push(
      fact(runId, 'step.started', `step/${step}`, { stepId: call.stepId, tool: call.tool }),
      fact(runId, 'tool.call.started', `call/${step}/started`, { ...call, args: {} }),
      fact(runId, 'tool.call.succeeded', `call/${step}/succeeded`, { ...call, durationMs: 3, output: output(step) }),
    );
  }
  return facts;
}

/** Appends `facts` `perStatement` at a time; returns the run and its last seq. */
async function appendSeeded(db: Knex, tenantId: string, runId: string, facts: NewEvent[], perStatement: number): Promise<{ runId: string; lastSeq: number }> {
  for (let start = 0; start < facts.length; start += perStatement) {
    await appendEvents(db, { tenantId, runId }, facts.slice(start, start + perStatement));
  }
  return { runId, lastSeq: facts.length };
}

/**
 * One running plan run with `steps` steps of one successful tool call each: `run.created`,
 * `run.started`, then `step.started`, `tool.call.started`, `tool.call.succeeded` per step
 * (3 × steps + 2 events). Left running, so the page follows it live.
 */
export async function seedLongRun(db: Knex, tenantId: string, steps: number): Promise<{ runId: string; lastSeq: number }> {
  const runId = newRunId();
  // One statement per batch: a few hundred rows keep it well under Postgres's parameter limit.
  return appendSeeded(
    db,
    tenantId,
    runId,
    planRunFacts(runId, `long-run-${steps}-steps`, steps, (step) => ({ step })),
    300,
  );
}

/** The fact that ends a seeded long run, appended while a test watches it. */
export const completeSeededRun = (db: Knex, tenantId: string, runId: string) =>
  appendEvents(db, { tenantId, runId }, [fact(runId, 'run.completed', 'run.completed', { output: { done: true } })]);

/**
 * One completed plan run whose `steps` tool calls each succeeded with an output of about
 * `outputBytes` bytes of JSON: a log of many large events (3 × steps + 3 events).
 */
export async function seedLargeRun(db: Knex, tenantId: string, steps: number, outputBytes: number): Promise<{ runId: string; lastSeq: number }> {
  const runId = newRunId();
  const facts = planRunFacts(runId, `large-run-${steps}-steps`, steps, (step) => ({ step, blob: String(step % 10).repeat(outputBytes) }));
  facts.push(fact(runId, 'run.completed', 'run.completed', { output: { steps } }));
  // A few events per statement: each carries up to a few hundred KB.
  return appendSeeded(db, tenantId, runId, facts, 15);
}
