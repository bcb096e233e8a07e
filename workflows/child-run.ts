import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  isCancellation,
  startChild,
} from '@temporalio/workflow';
import type { FailureInfo } from '../lib/events';
import { FailureType } from '../lib/failure-types';
import { childRunOptionsSchema, runSpecSchema } from '../lib/run-spec';
import { runStartSearchAttributes } from '../lib/search-attributes';
import { runCreatedFact, workflowType, type AgentRunResult } from '../lib/workflow-contract';
import { ChildRunFailed, ChildRunInputError } from '../sdk/child-run';
import type { agentRun } from './agent-run';
import { definitionNamed } from './definition-registry';
import { bookkeepingActivities, type RunContext } from './run-context';

const { prepareChildRun } = bookkeepingActivities;

/** The most a run id may hold (`GET /v1/runs/:id`'s parameter). */
const runIdMaxLength = 100;

/** One `ctx.run` call: which definition, its input, the parent's step and the key the child's id ends in. */
export interface ChildRunCall {
  definition: string;
  input: unknown;
  step: string;
  /** `<parent run id>.<idKey>` is the child's run id: the call's step, or `<definition>.<n>` by default. */
  idKey: string;
}

/** The `n`th call of `ctx.run` for `definition`, named: its step (default `run:<definition>#<n>`) and id key; or what is wrong with its options. */
export function childRunCall(definition: string, input: unknown, options: unknown, n: number): ChildRunCall | { problem: string } {
  const parsed = childRunOptionsSchema.safeParse(options);
  if (!parsed.success) return { problem: `ctx.run("${definition}"): bad options: ${parsed.error.message}` };
  const { step } = parsed.data;
  // A named step has no "." (stepIdSchema), so a default key never equals a named one.
  return step ? { definition, input, step, idKey: step } : { definition, input, step: `run:${definition}#${n}`, idKey: `${definition}.${n}` };
}

/**
 * A definition's `ctx.run`: the child is another `agentRun` workflow, started as a Temporal child
 * of this one (cancelled with it: REQUEST_CANCEL), with its own id, log and approvals. Its input is
 * checked here, against the child's schema in this bundle, before anything starts.
 */
export async function runChild(context: RunContext, call: ChildRunCall): Promise<unknown> {
  const parent = context.input;
  const childRunId = `${parent.runId}.${call.idKey}`;
  const spec = checkedChildSpec(context, call, childRunId);
  const prepared = await prepareChildRun({
    tenantId: parent.tenantId,
    childRunId,
    parent: { runId: parent.runId, step: call.step },
    spec,
    createdBy: parent.createdBy,
    ...(parent.onBehalfOf ? { onBehalfOf: parent.onBehalfOf } : {}),
  });
  if ('problem' in prepared) throw new ChildRunInputError(call.definition, prepared.problem);

  const child = await startChild<typeof agentRun>(workflowType, {
    workflowId: childRunId,
    args: [prepared.input],
    parentClosePolicy: 'REQUEST_CANCEL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: runStartSearchAttributes(parent.tenantId, prepared.input.spec.tags),
  });
  // The child's row exists before the parent says it started (its own workflow records the same fact under the same key).
  await context.recordAfter({ runId: childRunId, facts: [runCreatedFact(prepared.input)] }, [
    { type: 'child.started', key: `child/${call.step}/started`, data: { childRunId, definition: call.definition, step: call.step } },
  ]);

  let result: AgentRunResult;
  try {
    result = await child.result();
  } catch (error) {
    // This run is being cancelled (its cancel, its deadline): the child was asked to cancel with it.
    if (CancellationScope.current().consideredCancelled || !(error instanceof ChildWorkflowFailure)) throw error;
    return childFailed(context, call, childRunId, failureOfChild(error));
  }
  // Cancelled through the API: the child ended gracefully, but it did not do its work.
  if (result.status === 'cancelled') {
    return childFailed(context, call, childRunId, { message: 'the child run was cancelled', errorClass: FailureType.Cancelled, retryable: false });
  }
  await context.record([{ type: 'child.completed', key: `child/${call.step}/completed`, data: { childRunId, step: call.step, output: result.output } }]);
  return result.output;
}

/** The child's spec, once its definition is in this bundle and the input fits its schema; else `ChildRunInputError`. */
function checkedChildSpec(context: RunContext, call: ChildRunCall, childRunId: string) {
  const definition = definitionNamed(call.definition);
  if (!definition) {
    throw new ChildRunInputError(call.definition, "no such definition in this worker's bundle (its file goes in definitions/ or FLIGHTDECK_DEFINITIONS_DIR)");
  }
  const input = definition.input.safeParse(call.input);
  if (!input.success) throw new ChildRunInputError(call.definition, `input does not fit the definition: ${input.error.message}`);
  if (childRunId.length > runIdMaxLength) {
    throw new ChildRunInputError(call.definition, `the child's run id "${childRunId}" is over ${runIdMaxLength} characters: give the call a shorter step`);
  }
  const { userId, connectedAccountId, origin } = context.input.spec;
  // The child acts for the same Composio user as its parent. A replay's child replays the original's
  // child of the same call (whose id derives from the original's id as this one's from the replay's),
  // so its tool calls too come from the log; a fork's children run live.
  const spec = runSpecSchema.safeParse({
    definition: call.definition,
    input: call.input,
    ...(userId ? { userId } : {}),
    ...(connectedAccountId ? { connectedAccountId } : {}),
    ...(origin?.mode === 'replay' ? { origin: { runId: `${origin.runId}.${call.idKey}`, mode: 'replay' } } : {}),
  });
  if (!spec.success) throw new ChildRunInputError(call.definition, `not a run spec: ${spec.error.message}`);
  return spec.data;
}

async function childFailed(context: RunContext, call: ChildRunCall, childRunId: string, failure: FailureInfo): Promise<never> {
  await context.record([{ type: 'child.failed', key: `child/${call.step}/failed`, data: { childRunId, step: call.step, error: failure } }]);
  throw new ChildRunFailed(childRunId, call.definition, call.step, failure);
}

/** How a child workflow that did not complete ended, as its log recorded it where it could. */
function failureOfChild(error: ChildWorkflowFailure): FailureInfo {
  const { cause } = error;
  if (cause instanceof ApplicationFailure && cause.type === FailureType.RunFailed) {
    const recorded = cause.details?.[0] as (FailureInfo & { step?: string }) | undefined;
    if (recorded) return { message: recorded.message, errorClass: recorded.errorClass, retryable: false };
  }
  if (cause instanceof TerminatedFailure) return { message: 'the child run was terminated', errorClass: FailureType.Terminated, retryable: false };
  if (isCancellation(error)) return { message: 'the child run was cancelled', errorClass: FailureType.Cancelled, retryable: false };
  if (cause instanceof TimeoutFailure) return { message: 'the child run timed out', errorClass: FailureType.Timeout, retryable: false };
  return { message: cause?.message ?? error.message, errorClass: cause?.name ?? 'ChildWorkflowFailure', retryable: false };
}
