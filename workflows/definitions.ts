import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SignalSignature } from '../lib/event-schemas';
import type { Actor, RunStatus } from '../lib/events';

export interface CancelPayload {
  reason?: string;
  actor?: Actor | null;
  /** Added by the API's client (lib/signal-signature.ts); the workflow applies the signal once the worker verified it. */
  signature?: SignalSignature;
}

export interface MessagePayload {
  text: string;
  actor?: Actor | null;
  signature?: SignalSignature;
}

/** Graceful cancel: the in-flight tool call is cancelled and the run records `run.cancelled`. */
export const cancelSignal = defineSignal<[CancelPayload]>('cancel');

/** A decision on a pending approval; the payload is validated by the workflow, not trusted. */
export const approvalSignal = defineSignal<[unknown]>('approval');

/** ACTIVE Composio accounts of the run's user (`ConnectionSignalPayload`), validated by the workflow. */
export const connectionSignal = defineSignal<[unknown]>('connection');

/** A user message into an agent run (chat). */
export const messageSignal = defineSignal<[MessagePayload]>('message');

export interface RunState {
  status: RunStatus;
  currentStep: string | null;
  completedSteps: string[];
  toolCalls: number;
  turns: number;
}
export const stateQuery = defineQuery<RunState>('state');

export { statusSearchAttribute, tagsSearchAttribute, tenantSearchAttribute } from '../lib/search-attributes';
