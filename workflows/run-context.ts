import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { Activities } from '../activities';
import type { RunStatus } from '../lib/events';
import { statusSearchAttribute } from '../lib/search-attributes';
import {
  connectionRequiredErrorType,
  limitWaitErrorType,
  toolCallIdempotencyKey,
  type AgentRunInput,
  type ConnectionRequiredDetails,
  type ExecuteToolInput,
  type LimitWaitDetails,
  type ResultSource,
  type ToolCallPolicy,
  type WorkflowFact,
} from '../lib/workflow-contract';
import type { RunOrigin } from '../lib/run-spec';
import { ApprovalGate } from './approval-gate';
import { ConnectionGate } from './connection-gate';
import type { RunState } from './definitions';
import type { GateWait, RunRecorder } from './run-recorder';
import { RunStopped } from './run-stopped';
import { SignalVerifier } from './signal-verifier';
import { FailureType } from '../lib/failure-types';

/**
 * Guards the fast tool path (histories recorded before it replay the old commands): short
 * built-in tools run as local activities, and `step.started` is written with `tool.call.started`.
 */
export const fastToolPathPatch = 'fast-tool-path-v1';

/**
 * Guards the folded run start: `run.created` and `run.started` ride with a plan run's first append
 * instead of a recordEvent local activity and a transaction of their own.
 */
export const foldedRunStartPatch = 'folded-run-start-v1';

/**
 * The same for a definition run: its start rides with its first recorded call, or is stored on
 * its own before the first call that may wait long (a timer, a message, a model, a child run).
 */
export const foldedDefinitionStartPatch = 'folded-definition-start';

/**
 * The run's own bookkeeping as local activities (recording facts, resolving a definition's tools,
 * preparing a child run): short database and registry work, retried until it lands.
 */
export const bookkeepingActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
const { recordEvent } = bookkeepingActivities;

/** What every run mode shares: recording facts, status, limits and the tool-call path. */
export class RunContext implements RunRecorder {
  readonly state: RunState = { status: 'created', currentStep: null, completedSteps: [], toolCalls: 0, turns: 0 };
  readonly approvals: ApprovalGate;
  readonly connections: ConnectionGate;
  /** Checks each signal's signature before the run applies it. */
  readonly signals: SignalVerifier;

  /**
   * Facts that lead every append until one that carried them has finished (the run's start): they
   * land in the first append to commit, ahead of its own facts, and their keys dedupe them in the
   * others, so nothing the workflow records can precede them in the log.
   */
  private leading: WorkflowFact[] = [];

  constructor(readonly input: AgentRunInput) {
    this.approvals = new ApprovalGate(this);
    this.connections = new ConnectionGate(this);
    this.signals = new SignalVerifier(this);
  }

  /** `facts` go ahead of whatever the workflow records next, in the same append (see `leading`). */
  leadNextAppend(facts: WorkflowFact[]): void {
    this.leading = [...this.leading, ...facts];
  }

  /** Whether facts still wait to lead the next append (a folded start no append has carried yet). */
  get hasLead(): boolean {
    return this.leading.length > 0;
  }

  /**
   * `then()` once the leading facts are stored, storing them on their own if no append has carried
   * them yet: before a wait that may be long. Without any, `then()` runs at once, in the same
   * synchronous step, so the commands it issues keep their order with the run's other calls.
   */
  afterLead<T>(then: () => Promise<T>): Promise<T> {
    return this.hasLead ? this.record([]).then(then) : then();
  }

  record(facts: WorkflowFact[]): Promise<number> {
    return this.carryingLead(facts, (all) => this.append(all));
  }

  /**
   * Records `facts` once `before`'s facts (another run of this tenant: a child's `run.created`) are
   * stored, in the same local activity, so whoever reads this run's facts finds that run too.
   */
  recordAfter(before: { runId: string; facts: WorkflowFact[] }, facts: WorkflowFact[]): Promise<number> {
    return this.carryingLead(facts, (all) => this.append(all, before));
  }

  private append(facts: WorkflowFact[], before?: { runId: string; facts: WorkflowFact[] }): Promise<number> {
    return recordEvent({ tenantId: this.input.tenantId, runId: this.input.runId, facts, ...(before ? { before } : {}) });
  }

  /** Runs `append` with the leading facts ahead of `facts`; once it has finished they are stored. */
  private async carryingLead<T>(facts: WorkflowFact[], append: (facts: WorkflowFact[]) => Promise<T>): Promise<T> {
    const lead = this.leading;
    if (lead.length === 0) return append(facts);
    const result = await append([...lead, ...facts]);
    if (this.leading === lead) this.leading = [];
    return result;
  }

  /** Records facts even when the run's scope is being cancelled (run.cancelled, run.failed). */
  recordFinal(facts: WorkflowFact[]): Promise<number> {
    return CancellationScope.nonCancellable(() => this.record(facts));
  }

  setStatus(status: RunStatus): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: statusSearchAttribute, value: status }]);
  }

  /** Gates waiting now, by kind: parallel steps can wait at several at once. */
  private readonly waiting = { awaiting_approval: 0, awaiting_connection: 0 };

  /** A gate begins to wait: the run shows it (an approval wins over a connection). */
  beginWait(kind: GateWait): void {
    this.waiting[kind] += 1;
    this.setStatus(this.waitingStatus());
  }

  /**
   * A gate is done waiting: the run is `running` again only once no other gate waits. The status
   * is upserted at the same points as before gates were counted (only its value differs), so
   * histories replay.
   */
  endWait(kind: GateWait, options: { show?: boolean } = {}): void {
    this.waiting[kind] = Math.max(0, this.waiting[kind] - 1);
    if (options.show !== false) this.setStatus(this.waitingStatus());
  }

  private waitingStatus(): RunStatus {
    if (this.waiting.awaiting_approval > 0) return 'awaiting_approval';
    return this.waiting.awaiting_connection > 0 ? 'awaiting_connection' : 'running';
  }

  /**
   * Whether a step's `step.started` can ride with its tool call's first append instead of being
   * recorded on its own. Not for approval steps: their `step.started` precedes `approval.requested`.
   */
  foldsStepStarted(policy: ToolCallPolicy): boolean {
    return !policy.approval && patched(fastToolPathPatch);
  }

  /**
   * Runs one tool call as an activity with the resolved policy, counting it against `maxToolCalls`;
   * short built-in tools run as a local activity. Cancellation waits for the activity to
   * acknowledge, so its last attempt is recorded before the run ends. `recordWith` facts land with
   * the call's first `tool.call.started`, or on their own if the call never starts.
   */
  async callTool(
    policy: ToolCallPolicy,
    call: Pick<ExecuteToolInput, 'stepId' | 'tool' | 'args'>,
    options: { recordWith?: WorkflowFact[] } = {},
  ): Promise<unknown> {
    const limit = this.input.spec.limits?.maxToolCalls;
    if (limit !== undefined && this.state.toolCalls >= limit) {
      throw new RunStopped({ message: `maxToolCalls (${limit}) exceeded`, errorClass: FailureType.LimitExceeded, retryable: false });
    }
    this.state.toolCalls += 1;
    return this.carryingLead(options.recordWith ?? [], (recordWith) => this.runToolCall(policy, call, recordWith));
  }

  private async runToolCall(policy: ToolCallPolicy, call: Pick<ExecuteToolInput, 'stepId' | 'tool' | 'args'>, recordWith: WorkflowFact[]): Promise<unknown> {
    const { tenantId, runId, spec } = this.input;
    const input: ExecuteToolInput = {
      tenantId,
      runId,
      ...call,
      ...(spec.userId ? { userId: spec.userId } : {}),
      ...(spec.connectedAccountId ? { connectedAccountId: spec.connectedAccountId } : {}),
      idempotencyKey: toolCallIdempotencyKey(runId, call.stepId),
      ...(recordWith.length > 0 ? { recordWith } : {}),
      ...(spec.origin ? { reuse: resultSourceOf(spec.origin) } : {}),
    };
    const executeTool = this.executeToolActivity(policy);
    try {
      // A call waiting for a shared limit's slot or for a connected account is called again as a new
      // activity (same idempotency key), so waiting never spends the retry policy's attempts.
      for (let connectionRound = 1, limitWaits = 0; ;) {
        try {
          return await executeTool(limitWaits > 0 ? { ...input, limitWaits } : input);
        } catch (error) {
          const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : null;
          if (cause?.type === limitWaitErrorType && patched(toolCallWaitsPatch)) {
            await sleep(Math.max(1, (cause.details?.[0] as LimitWaitDetails | undefined)?.waitMs ?? 1000));
            limitWaits += 1;
            continue;
          }
          if (cause?.type === connectionRequiredErrorType && patched(toolCallWaitsPatch)) {
            const missing = cause.details?.[0] as ConnectionRequiredDetails;
            await this.connections.await({ stepId: call.stepId, tool: call.tool, round: connectionRound }, missing, cause.message, policy.connectionTimeout);
            connectionRound += 1;
            continue;
          }
          throw error;
        }
      }
    } catch (error) {
      // Deduped when the call did start; otherwise (cancelled before it started) the facts still count.
      if (recordWith.length > 0) await CancellationScope.nonCancellable(() => this.append(recordWith));
      throw error;
    }
  }

  private executeToolActivity(policy: ToolCallPolicy): (input: ExecuteToolInput) => Promise<unknown> {
    const common = {
      startToCloseTimeout: policy.startToCloseTimeout,
      retry: policy.retry,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    };
    if (policy.local && patched(fastToolPathPatch)) return asOrdinaryFailures(proxyLocalActivities<Activities>(common).executeTool);
    return proxyActivities<Activities>({ ...common, heartbeatTimeout: policy.heartbeatTimeout }).executeTool;
  }
}

/**
 * A local activity's last failure reaches the workflow unwrapped (an ApplicationFailure, not an
 * ActivityFailure around it): wrap it as an ordinary activity's is, so callers handle both alike.
 */
function asOrdinaryFailures(execute: (input: ExecuteToolInput) => Promise<unknown>): (input: ExecuteToolInput) => Promise<unknown> {
  return async (input) => {
    try {
      return await execute(input);
    } catch (error) {
      if (error instanceof ActivityFailure || isCancellation(error) || !(error instanceof Error)) throw error;
      const retryState = error instanceof ApplicationFailure && error.nonRetryable ? RetryState.NON_RETRYABLE_FAILURE : RetryState.MAXIMUM_ATTEMPTS_REACHED;
      throw new ActivityFailure(error.message, 'executeTool', undefined, retryState, undefined, error);
    }
  };
}

/** Workflows started before tool calls could wait (for a limit's slot, for a connected account) replay without the waits. */
const toolCallWaitsPatch = 'tool-call-waits';

/** A replay reuses every result of its origin and nothing else; a fork those before its point, and runs live after it. */
function resultSourceOf(origin: RunOrigin): ResultSource {
  return origin.mode === 'replay' ? { runId: origin.runId, strict: true } : { runId: origin.runId, beforeSeq: origin.fromSeq, strict: false };
}
