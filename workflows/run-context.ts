import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FailureInfo, RunStatus } from '../lib/events';
import { statusSearchAttribute } from '../lib/search-attributes';
import {
  connectionRequiredErrorType,
  limitWaitErrorType,
  toolCallIdempotencyKey,
  type AgentRunInput,
  type ConnectionRequiredDetails,
  type ExecuteToolInput,
  type LimitWaitDetails,
  type ToolCallPolicy,
  type WorkflowFact,
} from '../lib/workflow-contract';
import { ApprovalGate } from './approval-gate';
import { ConnectionGate } from './connection-gate';
import type { RunState } from './definitions';

const { recordEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** A run ends early for a reason the log must name: a limit, the deadline, a failed step. */
export class RunStopped extends Error {
  constructor(readonly failure: FailureInfo & { step?: string }) {
    super(failure.message);
    this.name = 'RunStopped';
  }

  /** How a failed run ends its workflow: Failed in Temporal, with the reason the log recorded. */
  static asWorkflowFailure(failure: FailureInfo & { step?: string }): ApplicationFailure {
    return ApplicationFailure.create({ type: 'RunFailed', message: failure.message, nonRetryable: true, details: [failure] });
  }
}

/** What every run mode shares: recording facts, status, limits and the tool-call path. */
export class RunContext {
  readonly state: RunState = { status: 'created', currentStep: null, completedSteps: [], toolCalls: 0, turns: 0 };
  readonly approvals: ApprovalGate;
  readonly connections: ConnectionGate;

  constructor(readonly input: AgentRunInput) {
    this.approvals = new ApprovalGate(this);
    this.connections = new ConnectionGate(this);
  }

  record(facts: WorkflowFact[]): Promise<number> {
    return recordEvent({ tenantId: this.input.tenantId, runId: this.input.runId, facts });
  }

  /** Records facts even when the run's scope is being cancelled (run.cancelled, run.failed). */
  recordFinal(facts: WorkflowFact[]): Promise<number> {
    return CancellationScope.nonCancellable(() => this.record(facts));
  }

  setStatus(status: RunStatus): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: statusSearchAttribute, value: status }]);
  }

  /**
   * Runs one tool call as an activity with the resolved policy, counting it against `maxToolCalls`.
   * Cancellation waits for the activity to acknowledge, so its last attempt is recorded before the run ends.
   */
  async callTool(policy: ToolCallPolicy, call: Pick<ExecuteToolInput, 'stepId' | 'tool' | 'args'>): Promise<unknown> {
    const limit = this.input.spec.limits?.maxToolCalls;
    if (limit !== undefined && this.state.toolCalls >= limit) {
      throw new RunStopped({ message: `maxToolCalls (${limit}) exceeded`, errorClass: 'LimitExceeded', retryable: false });
    }
    this.state.toolCalls += 1;
    const { executeTool } = proxyActivities<Activities>({
      startToCloseTimeout: policy.startToCloseTimeout,
      heartbeatTimeout: policy.heartbeatTimeout,
      retry: policy.retry,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
    const { tenantId, runId, spec } = this.input;
    const input: ExecuteToolInput = {
      tenantId,
      runId,
      ...call,
      ...(spec.userId ? { userId: spec.userId } : {}),
      ...(spec.connectedAccountId ? { connectedAccountId: spec.connectedAccountId } : {}),
      idempotencyKey: toolCallIdempotencyKey(runId, call.stepId),
    };
    // A call waiting for a shared limit's slot or for a connected account is called again as a new
    // activity (same idempotency key), so waiting never spends the retry policy's attempts.
    for (let connectionRound = 1, limitWaits = 0; ; ) {
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
  }
}

/** Workflows started before tool calls could wait (for a limit's slot, for a connected account) replay without the waits. */
const toolCallWaitsPatch = 'tool-call-waits';

/** The error an activity ended with, as the log records it. */
export function failureOf(error: ActivityFailure): FailureInfo {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, errorClass: cause.type ?? 'ApplicationFailure', retryable: false };
  }
  return { message: cause?.message ?? error.message, errorClass: cause?.name ?? 'ActivityFailure', retryable: false };
}
