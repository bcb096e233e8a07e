import type { Context, Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, type RetryPolicy } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { FailureInfo, NewEvent, RunEvent } from '../lib/events';
import { appendEvents, findEventsByKeys } from '../lib/event-log';
import { findRecordedResult } from '../lib/event-log/recorded-results';
import { toolCallAttemptsTotal } from '../lib/metrics';
import { hasRedactions } from '../lib/redact';
import { dedupeKeys, idempotencyKeyOf, workflowFactEvents, type ExecuteToolInput, type ToolCallPhase } from '../lib/workflow-contract';
import { workflowRetriedErrorTypes } from '../tools/tool-errors';
import { FailureType } from '../lib/failure-types';
import { defaultToolOutputMaxBytes } from '../lib/config';

const recordedActivity = 'executeTool';

/** What the interceptor needs of a tool: whether it may run again, and the hash of its schema to record. */
type RecordedTool = { idempotent: boolean; schemaHash?: string };
/** The tools as the call's tenant sees them (`ToolRegistry.forTenant`): its own MCP servers' too. */
type RecordedTools = { forTenant(tenantId: string): { resolve(name: string): Promise<RecordedTool | undefined> } };

/**
 * The dedupe key of a fact of this tool call's attempts. A local activity that backs off on a
 * workflow timer comes back with a new activity id: its attempts are keyed by the call (step ids
 * are unique in a run) so every attempt of it is found again.
 */
export function toolCallKeyOf(info: Info, call: Pick<ExecuteToolInput, 'stepId'>): (attempt: number, phase: ToolCallPhase) => string {
  const execution = info.workflowExecution;
  if (!execution) throw new Error('a tool call runs as an activity of a workflow');
  const callIdentity = info.isLocal ? `local:${call.stepId}` : info.activityId;
  return (attempt, phase) => dedupeKeys.toolCall(execution, callIdentity, attempt, phase);
}

/** The fields every fact of a tool-call attempt carries (lib/event-schemas.ts, `toolCallAttempt`). */
export const toolCallAttemptOf = (info: Info, call: ExecuteToolInput) => ({
  stepId: call.stepId,
  tool: call.tool,
  attempt: info.attempt,
  activityId: info.activityId,
  idempotencyKey: idempotencyKeyOf(call),
});

/**
 * Records every attempt of a tool call in the event log: `tool.call.started` before the tool runs,
 * then `tool.call.succeeded` or `tool.call.failed` (for a short tool run as a local activity, both
 * in one transaction after it ran). Keys come from the activity's durable identity
 * (workflow execution, activity id, attempt), so a retried write or a replayed task stores nothing twice.
 */
export function eventLogInterceptor(db: Knex, tools: RecordedTools, options: { maxOutputBytes?: number } = {}): ActivityInterceptorsFactory {
  const maxOutputBytes = options.maxOutputBytes ?? defaultToolOutputMaxBytes;
  return (context) => ({ inbound: new EventLogInbound(db, context, tools, maxOutputBytes) });
}

/** A tool output whose JSON passes the limit fails the call, non-retryable, and never enters the log. */
function refuseOversizedOutput(tool: string, output: unknown, maxBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(output ?? null));
  if (bytes <= maxBytes) return;
  throw ApplicationFailure.create({
    type: FailureType.OutputTooLarge,
    message: `${tool} returned ${bytes} bytes of output, more than the ${maxBytes} FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES allows; it is not stored`,
    nonRetryable: true,
    details: [{ bytes, maxBytes }],
  });
}

class EventLogInbound implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly db: Knex,
    private readonly context: Context,
    private readonly tools: RecordedTools,
    private readonly maxOutputBytes: number,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = this.context.info;
    const execution = info.workflowExecution;
    if (info.activityType !== recordedActivity || !execution) return next(input);
    const call = input.args[0] as ExecuteToolInput;
    const keyOf = toolCallKeyOf(info, call);
    const key = (phase: ToolCallPhase) => keyOf(info.attempt, phase);
    const target = { tenantId: call.tenantId, runId: call.runId };
    const common = toolCallAttemptOf(info, call);
    // Resolved (a catalog not loaded in this worker yet loads first); a tool that does not resolve fails in executeTool.
    const tool = await this.tools
      .forTenant(call.tenantId)
      .resolve(call.tool)
      .catch(() => undefined);
    const schemaHash = tool?.schemaHash;

    // Nothing done twice: if an earlier attempt's success is in the log (its worker died before
    // Temporal heard of it), hand that result back instead of running the tool again.
    const earlier = await earlierAttempts(this.db, keyOf, info.attempt);
    const recorded = this.recordedOutput(call, tool, earlier.succeeded);
    if (recorded.found) return recorded.output;

    // Lost attempts, the facts the workflow folded into this call (step.started) and this
    // attempt's start: one transaction.
    const beforeCall: NewEvent[] = [
      ...earlier.lost.map((attempt): NewEvent => ({
        type: 'tool.call.failed',
        dedupeKey: keyOf(attempt, 'failed'),
        data: { ...common, attempt, error: lostAttemptFailure },
      })),
      ...workflowFactEvents(call.runId, call.recordWith ?? []),
      { type: 'tool.call.started', dedupeKey: key('started'), data: { ...common, args: call.args, ...(schemaHash ? { schemaHash } : {}) } },
    ];
    // A replay or a fork (`spec.origin`) hands back the earlier run's result of the same call, once, in one append.
    if (call.reuse) {
      const reused = await findRecordedResult(this.db, call.tenantId, call.reuse, call);
      if (reused) {
        toolCallAttemptsTotal.inc({ tool: call.tool, outcome: 'reused' });
        const reusedFrom = { runId: call.reuse.runId, seq: reused.seq };
        const output = reused.output ?? null;
        await appendWithRetry(this.db, target, [
          ...beforeCall,
          { type: 'tool.call.succeeded', dedupeKey: key('succeeded'), data: { ...common, durationMs: 0, output, reusedFrom } },
        ]);
        return output;
      }
      if (call.reuse.strict) {
        const diverged = ApplicationFailure.create({
          type: FailureType.ReplayDiverged,
          message: `the replay called ${call.tool} (step ${call.stepId}) with args run ${call.reuse.runId} never called it with; a replay makes no call the original did not make`,
          nonRetryable: true,
          details: [{ originRunId: call.reuse.runId, stepId: call.stepId, tool: call.tool }],
        });
        await appendWithRetry(this.db, target, [
          ...beforeCall,
          {
            type: 'tool.call.failed',
            dedupeKey: key('failed'),
            data: { ...common, durationMs: 0, error: describeFailure(diverged, info.attempt, info.retryPolicy) },
          },
        ]);
        throw diverged;
      }
    }
    // A local activity runs a short tool: pure, deterministic in its args and attempt, done in well
    // under a second. Its start and outcome go in one transaction after it ran (half the appends
    // of the fast path); an attempt whose worker died meanwhile left nothing and is simply run again,
    // and one replayed after its facts were stored stores nothing twice (the keys dedupe).
    if (!info.isLocal) await appendWithRetry(this.db, target, beforeCall);
    const pending = info.isLocal ? beforeCall : [];
    const startedAt = process.hrtime.bigint();
    const durationMs = () => Number((process.hrtime.bigint() - startedAt) / 1_000_000n);
    let output: unknown;
    try {
      output = await next(input);
      refuseOversizedOutput(call.tool, output, this.maxOutputBytes);
    } catch (error) {
      const failure = describeFailure(error, info.attempt, info.retryPolicy);
      toolCallAttemptsTotal.inc({ tool: call.tool, outcome: failure.errorClass === 'Cancelled' ? 'cancelled' : 'failed' });
      await appendWithRetry(this.db, target, [
        ...pending,
        {
          type: 'tool.call.failed',
          dedupeKey: key('failed'),
          data: { ...common, durationMs: durationMs(), error: failure },
        },
      ]);
      throw error;
    }
    toolCallAttemptsTotal.inc({ tool: call.tool, outcome: 'succeeded' });
    await appendWithRetry(this.db, target, [
      ...pending,
      {
        type: 'tool.call.succeeded',
        dedupeKey: key('succeeded'),
        data: { ...common, durationMs: durationMs(), output: output ?? null },
      },
    ]);
    return output;
  }

  /** A success already in the log stands in for running the tool again, unless secrets were redacted from it. */
  private recordedOutput(call: ExecuteToolInput, tool: RecordedTool | undefined, succeeded: { output?: unknown } | null): { found: boolean; output?: unknown } {
    if (!succeeded) return { found: false };
    const output = succeeded.output ?? null;
    // The log keeps outputs with secrets redacted: such an output cannot stand in for the real one.
    if (!hasRedactions(output)) return { found: true, output };
    if (!tool?.idempotent) {
      throw ApplicationFailure.create({
        type: FailureType.UnrecoverableResult,
        message: `${call.tool} already succeeded in an attempt that was lost with its worker, and its recorded output had secrets redacted; it is not idempotent, so it is not run again`,
        nonRetryable: true,
      });
    }
    return { found: false };
  }
}

const lostAttemptFailure: FailureInfo = {
  message: 'the worker stopped before this attempt reported back; Temporal retried it',
  errorClass: FailureType.AttemptLost,
  retryable: true,
  nextRetryDelayMs: null,
};

/** What the log knows of this activity's earlier attempts: a recorded success, and attempts with no outcome. */
async function earlierAttempts(
  db: Knex,
  keyOf: (attempt: number, phase: ToolCallPhase) => string,
  currentAttempt: number,
): Promise<{ succeeded: { output?: unknown } | null; lost: number[] }> {
  if (currentAttempt <= 1) return { succeeded: null, lost: [] };
  const attempts = Array.from({ length: currentAttempt - 1 }, (_, index) => index + 1);
  const found = await findEventsByKeys(
    db,
    attempts.flatMap((attempt) => (['started', 'succeeded', 'failed'] as const).map((phase) => keyOf(attempt, phase))),
  );
  const byKey = new Map(found.map((event) => [event.dedupeKey, event]));
  const success = attempts.map((attempt) => byKey.get(keyOf(attempt, 'succeeded'))).find((event) => event !== undefined);
  return {
    succeeded: success ? (success.data as { output?: unknown }) : null,
    lost: attempts.filter((attempt) => byKey.has(keyOf(attempt, 'started')) && !byKey.has(keyOf(attempt, 'failed'))),
  };
}

/** A brief database hiccup should not turn a tool's success into a retry of its side effect. */
export async function appendWithRetry(db: Knex, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<RunEvent[]> {
  const delaysMs = [50, 200, 1000];
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await appendEvents(db, target, facts, { writer: 'activity' });
    } catch (error) {
      const delay = delaysMs[attempt];
      if (delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Error class, retryability and the delay before the next attempt, as the workflow's policy decides them. */
export function describeFailure(error: unknown, attempt: number, policy: RetryPolicy | undefined): FailureInfo {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CancelledFailure) {
    return { message, errorClass: FailureType.Cancelled, retryable: false, nextRetryDelayMs: null };
  }
  const errorClass = error instanceof ApplicationFailure ? (error.type ?? 'ApplicationFailure') : error instanceof Error ? error.name : 'Error';
  if (workflowRetriedErrorTypes.includes(errorClass)) {
    return { message, errorClass, retryable: true, nextRetryDelayMs: nextDelayMs(error, attempt, undefined) };
  }
  const nonRetryable = (error instanceof ApplicationFailure && error.nonRetryable) || (policy?.nonRetryableErrorTypes ?? []).includes(errorClass);
  const attemptsLeft = !policy?.maximumAttempts || attempt < policy.maximumAttempts;
  const retryable = !nonRetryable && attemptsLeft;
  return { message, errorClass, retryable, nextRetryDelayMs: retryable ? nextDelayMs(error, attempt, policy) : null };
}

function nextDelayMs(error: unknown, attempt: number, policy: RetryPolicy | undefined): number | null {
  if (error instanceof ApplicationFailure && error.nextRetryDelay !== undefined && error.nextRetryDelay !== null) {
    return msToNumber(error.nextRetryDelay);
  }
  if (!policy) return null;
  const initial = policy.initialInterval !== undefined ? msToNumber(policy.initialInterval) : 1000;
  const coefficient = policy.backoffCoefficient ?? 2;
  const maximum = policy.maximumInterval !== undefined ? msToNumber(policy.maximumInterval) : initial * 100;
  return Math.min(initial * coefficient ** (attempt - 1), maximum);
}
