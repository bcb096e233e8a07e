import { ActivityFailure } from '@temporalio/workflow';
import type { ToolCallPolicy, WorkflowFact } from '../lib/workflow-contract';
import type { ApprovalOutcome } from './approval-gate';
import type { RunContext } from './run-context';
import { failureOf, RunStopped } from './run-stopped';
import { FailureType } from '../lib/failure-types';

/**
 * One step: `step.started`, its args, its approval gate if the policy has one, then the tool call.
 * A plan step and a definition's `ctx.tool` call both run through here, so both leave the same
 * facts in the log. `args` may throw a RunStopped (a plan's bad reference): `step.started` is recorded first.
 */
export async function runToolStep(
  context: RunContext,
  step: { stepId: string; tool: string; policy: ToolCallPolicy | undefined },
  args: () => Record<string, unknown>,
): Promise<unknown> {
  const { stepId, tool, policy } = step;
  const stepStarted: WorkflowFact = { type: 'step.started', key: `step/${stepId}/started`, data: { stepId, tool } };
  // Folded: step.started is written with the tool call's first tool.call.started (one append).
  const folded = policy !== undefined && context.foldsStepStarted(policy);
  if (!folded) await context.record([stepStarted]);
  let callArgs: Record<string, unknown>;
  try {
    callArgs = args();
  } catch (error) {
    if (folded) await context.record([stepStarted]);
    throw error;
  }
  if (!policy) throw new RunStopped({ message: `no policy resolved for step ${stepId}`, errorClass: FailureType.InvalidInput, retryable: false });
  if (policy.approval && !reusedWithoutGate(context, stepId)) {
    const outcome = await context.approvals.request(stepId, tool, callArgs, policy.approval);
    stopUnlessDecided(outcome, stepId);
    if (outcome.kind === 'rejected') {
      const why = outcome.reason === 'expired' ? 'no decision before the deadline' : `rejected${outcome.comment ? `: ${outcome.comment}` : ''}`;
      throw new RunStopped({ message: `step ${stepId} was not approved (${why})`, errorClass: FailureType.ApprovalRejected, retryable: false, step: stepId });
    }
    callArgs = outcome.args;
  }
  let output: unknown;
  try {
    output = await context.callTool(policy, { stepId, tool, args: callArgs }, { recordWith: folded ? [stepStarted] : [] });
  } catch (error) {
    if (error instanceof ActivityFailure && !isCancelledActivity(error)) throw new RunStopped({ ...failureOf(error), step: stepId });
    throw error;
  }
  context.state.completedSteps.push(stepId);
  return output;
}

/**
 * A gate that ended without a decision stops the run at its step, in every mode: it expired with
 * `onTimeout: fail`, or its args would be redacted (refused rather than shown half-hidden).
 */
export function stopUnlessDecided(outcome: ApprovalOutcome, stepId: string): asserts outcome is Extract<ApprovalOutcome, { kind: 'approved' | 'rejected' }> {
  if (outcome.kind === 'failed') throw new RunStopped({ message: outcome.message, errorClass: FailureType.ApprovalExpired, retryable: false, step: stepId });
  if (outcome.kind === 'refused')
    throw new RunStopped({ message: outcome.message, errorClass: FailureType.ApprovalArgsRedacted, retryable: false, step: stepId });
}

/** A cancelled activity is the run being cancelled, handled by the caller, not a step failure. */
export function isCancelledActivity(error: ActivityFailure): boolean {
  return error.cause?.name === 'CancelledFailure';
}

/**
 * A replay's calls and a fork's calls before its point return the earlier run's results and act on
 * nothing, so their gates are not asked again (the earlier run's approvers already decided them).
 */
function reusedWithoutGate(context: RunContext, stepId: string): boolean {
  const { spec, reusedSteps } = context.input;
  return spec.origin?.mode === 'replay' || (reusedSteps?.includes(stepId) ?? false);
}
