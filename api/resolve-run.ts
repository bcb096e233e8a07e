import type { ToolRegistry } from '../activities/tools/registry';
import { AppError } from '../lib/errors';
import type { RunSpec } from '../lib/run-spec';
import type { ToolCallPolicy } from '../lib/workflow-contract';

/**
 * Checks what the schema cannot (tools exist, the mode is runnable) and resolves each step's
 * retry policy and timeout from the tool's defaults and the step's overrides. Anything wrong is a
 * 422 before any workflow starts.
 */
export function resolveRunPolicies(spec: RunSpec, tools: ToolRegistry): Record<string, ToolCallPolicy> {
  if (!spec.plan) {
    throw new AppError('unprocessable', 'agent runs are not available yet; send a plan', [
      { path: 'agent', message: 'not supported by this version' },
    ]);
  }
  const problems: Array<{ path: string; message: string }> = [];
  const policies: Record<string, ToolCallPolicy> = {};
  spec.plan.steps.forEach((step, index) => {
    const tool = tools.get(step.tool);
    if (!tool) {
      problems.push({ path: `plan.steps.${index}.tool`, message: `unknown tool "${step.tool}" (GET /v1/tools lists them)` });
      return;
    }
    const defaults = tool.defaults;
    policies[step.id] = {
      startToCloseTimeout: step.timeout ?? defaults.startToCloseTimeout,
      heartbeatTimeout: defaults.heartbeatTimeout,
      retry: {
        maximumAttempts: step.retry?.maxAttempts ?? defaults.retry.maximumAttempts,
        initialInterval: step.retry?.initialInterval ?? defaults.retry.initialInterval,
        backoffCoefficient: step.retry?.backoffCoefficient ?? defaults.retry.backoffCoefficient,
        maximumInterval: step.retry?.maximumInterval ?? defaults.retry.maximumInterval,
        nonRetryableErrorTypes: defaults.retry.nonRetryableErrorTypes,
      },
    };
  });
  if (problems.length > 0) throw new AppError('unprocessable', 'the run spec refers to things that do not exist', problems);
  return policies;
}
