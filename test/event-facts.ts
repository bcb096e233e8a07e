import type { EventDataInput } from '../lib/event-schemas';
import type { EventType, NewEvent } from '../lib/events';
import { specHash } from '../lib/ids';

/** Facts for tests that append to a scratch log directly: a one-step plan run and its tool calls. */
const spec = { tags: ['t1'], plan: { steps: [{ id: 's', tool: 'builtin.echo', args: {} }] } };

export const createdFact = (runId: string): NewEvent => ({
  type: 'run.created',
  dedupeKey: `${runId}/run.created`,
  data: { spec, specHash: specHash(spec), mode: 'plan', name: 'n', tags: ['t1'], idempotencyKey: null },
});

/** The fields every tool-call attempt event carries, for attempt `attempt` of step `stepId`. */
export const attemptData = (stepId: string, attempt: number, activityId = `${stepId}-${attempt}`, tool = 'builtin.echo') => ({
  stepId,
  tool,
  attempt,
  activityId,
  idempotencyKey: `idem-${stepId}`,
});

/** Any fact, its data checked against its type's schema at compile time. */
export const fact = <T extends EventType>(type: T, dedupeKey: string, data: EventDataInput<T>): NewEvent =>
  ({ type, dedupeKey, data, actor: null }) as NewEvent;

export const startedFact = (runId: string, index: number, args: Record<string, unknown> = { index }): NewEvent => ({
  type: 'tool.call.started',
  dedupeKey: `${runId}/call-${index}/started`,
  data: { ...attemptData('s', 1, `call-${index}`), args },
});

export const approvalRequestedFact = (runId: string, stepId = 's'): NewEvent => ({
  type: 'approval.requested',
  dedupeKey: `${runId}/${stepId}/approval.requested`,
  data: { approvalId: `${runId}:${stepId}`, stepId, tool: 'builtin.echo', args: {}, approvers: ['admin'], required: 1, onTimeout: 'reject', timeout: '1h' },
});
