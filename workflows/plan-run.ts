import { ActivityFailure } from '@temporalio/workflow';
import { resolveTemplates, TemplateError } from '../lib/templates';
import type { WorkflowFact } from '../lib/workflow-contract';
import type { RunContext } from './run-context';
import { failureOf, RunStopped } from './run-stopped';
import { FailureType } from '../lib/failure-types';

/** Plan mode: the steps in order, each one tool call whose args may use earlier outputs. */
export async function runPlan(context: RunContext): Promise<Record<string, unknown>> {
  const { spec, policies } = context.input;
  const outputs: Record<string, unknown> = {};
  for (const step of spec.plan?.steps ?? []) {
    context.state.currentStep = step.id;
    const stepStarted: WorkflowFact = { type: 'step.started', key: `step/${step.id}/started`, data: { stepId: step.id, tool: step.tool } };
    const policy = policies[step.id];
    // Folded: step.started is written with the tool call's first tool.call.started (one append).
    const folded = policy !== undefined && context.foldsStepStarted(policy);
    if (!folded) await context.record([stepStarted]);
    let args: Record<string, unknown>;
    try {
      args = resolveTemplates(step.args, { input: spec.input, stepOutputs: outputs }) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      if (folded) await context.record([stepStarted]);
      throw new RunStopped({ message: error.message, errorClass: FailureType.BadReference, retryable: false, step: step.id });
    }
    if (!policy) throw new RunStopped({ message: `no policy resolved for step ${step.id}`, errorClass: FailureType.InvalidInput, retryable: false });
    if (policy.approval) {
      const outcome = await context.approvals.request(step.id, step.tool, args, policy.approval);
      if (outcome.kind === 'failed')
        throw new RunStopped({ message: outcome.message, errorClass: FailureType.ApprovalExpired, retryable: false, step: step.id });
      if (outcome.kind === 'refused')
        throw new RunStopped({ message: outcome.message, errorClass: FailureType.ApprovalArgsRedacted, retryable: false, step: step.id });
      if (outcome.kind === 'rejected') {
        const why = outcome.reason === 'expired' ? 'no decision before the deadline' : `rejected${outcome.comment ? `: ${outcome.comment}` : ''}`;
        throw new RunStopped({
          message: `step ${step.id} was not approved (${why})`,
          errorClass: FailureType.ApprovalRejected,
          retryable: false,
          step: step.id,
        });
      }
      args = outcome.args;
    }
    try {
      outputs[step.id] = await context.callTool(policy, { stepId: step.id, tool: step.tool, args }, { recordWith: folded ? [stepStarted] : [] });
    } catch (error) {
      if (error instanceof ActivityFailure && !isCancelledActivity(error)) throw new RunStopped({ ...failureOf(error), step: step.id });
      throw error;
    }
    context.state.completedSteps.push(step.id);
  }
  context.state.currentStep = null;
  return outputs;
}

/** A cancelled activity is the run being cancelled, handled by the caller, not a step failure. */
export function isCancelledActivity(error: ActivityFailure): boolean {
  return error.cause?.name === 'CancelledFailure';
}
