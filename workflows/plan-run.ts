import { patched } from '@temporalio/workflow';
import { usesPlanGraph } from '../lib/plan-graph';
import { resolveTemplates, TemplateError } from '../lib/templates';
import { runPlanGraph } from './plan-graph-run';
import type { RunContext } from './run-context';
import { RunStopped } from './run-stopped';
import { runToolStep } from './tool-step';
import { FailureType } from '../lib/failure-types';

export { isCancelledActivity, runToolStep, stopUnlessDecided } from './tool-step';

/**
 * Guards plan graphs (`dependsOn`, `forEach`, `when`). Asked only of a plan that uses them, so a
 * plain plan's history has no marker and runs exactly as before.
 */
export const planGraphPatch = 'plan-dag';

/** Plan mode: the steps in order, each one tool call whose args may use earlier outputs; a plan graph runs in plan-graph-run.ts. */
export async function runPlan(context: RunContext): Promise<Record<string, unknown>> {
  const { spec, policies } = context.input;
  if (spec.plan && usesPlanGraph(spec.plan) && patched(planGraphPatch)) return runPlanGraph(context);
  const outputs: Record<string, unknown> = {};
  for (const step of spec.plan?.steps ?? []) {
    context.state.currentStep = step.id;
    const policy = policies[step.id];
    outputs[step.id] = await runToolStep(context, { stepId: step.id, tool: step.tool, policy }, () => {
      try {
        return resolveTemplates(step.args, { input: spec.input, stepOutputs: outputs }) as Record<string, unknown>;
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        throw new RunStopped({ message: error.message, errorClass: FailureType.BadReference, retryable: false, step: step.id });
      }
    });
  }
  context.state.currentStep = null;
  return outputs;
}
