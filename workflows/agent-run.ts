import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FailureInfo, RunStatus } from '../lib/events';
import type { AgentRunInput, AgentRunResult, ToolCallPolicy, WorkflowFact } from '../lib/workflow-contract';
import { stateQuery, statusSearchAttribute, type RunState } from './definitions';

const { recordEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

function toolActivity(policy: ToolCallPolicy) {
  return proxyActivities<Activities>({
    startToCloseTimeout: policy.startToCloseTimeout,
    heartbeatTimeout: policy.heartbeatTimeout,
    retry: policy.retry,
  }).executeTool;
}

/** Runs one run spec to its end. Plan mode for now: the steps in order, each a tool call. */
export async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
  const state: RunState = { status: 'created', currentStep: null, completedSteps: [] };
  setHandler(stateQuery, () => state);

  const record = (facts: WorkflowFact[]) => recordEvent({ tenantId: input.tenantId, runId: input.runId, facts });
  const setStatus = (status: RunStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: statusSearchAttribute, value: status }]);
  };

  await record([
    { type: 'run.created', key: 'run.created', data: { ...input.created }, actor: input.createdBy },
    { type: 'run.started', key: 'run.started', data: {} },
  ]);
  setStatus('running');

  const plan = input.spec.plan;
  if (!plan) {
    return fail(record, setStatus, { message: 'agent runs are not supported yet', errorClass: 'Unsupported', retryable: false });
  }

  const outputs: Record<string, unknown> = {};
  for (const step of plan.steps) {
    state.currentStep = step.id;
    await record([{ type: 'step.started', key: `step/${step.id}/started`, data: { stepId: step.id, tool: step.tool } }]);
    const policy = input.policies[step.id];
    if (!policy) throw ApplicationFailure.nonRetryable(`no policy resolved for step ${step.id}`, 'InvalidInput');
    try {
      outputs[step.id] = await toolActivity(policy)({
        tenantId: input.tenantId,
        runId: input.runId,
        stepId: step.id,
        tool: step.tool,
        args: step.args,
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      return fail(record, setStatus, { ...failureOf(error), step: step.id });
    }
    state.completedSteps.push(step.id);
  }

  state.currentStep = null;
  await record([{ type: 'run.completed', key: 'run.completed', data: { output: outputs } }]);
  setStatus('completed');
  return { status: 'completed', output: outputs };
}

function failureOf(error: ActivityFailure): FailureInfo {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, errorClass: cause.type ?? 'ApplicationFailure', retryable: false };
  }
  return { message: cause?.message ?? error.message, errorClass: cause?.name ?? 'ActivityFailure', retryable: false };
}

async function fail(
  record: (facts: WorkflowFact[]) => Promise<number>,
  setStatus: (status: RunStatus) => void,
  error: FailureInfo & { step?: string },
): Promise<never> {
  await record([{ type: 'run.failed', key: 'run.failed', data: { error } }]);
  setStatus('failed');
  throw ApplicationFailure.create({ type: 'RunFailed', message: error.message, nonRetryable: true, details: [error] });
}
