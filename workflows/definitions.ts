import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Actor, RunStatus } from '../lib/events';

export interface CancelPayload {
  reason?: string;
  actor?: Actor | null;
}

/** Graceful cancel: the run stops at the next safe point and records `run.cancelled`. */
export const cancelSignal = defineSignal<[CancelPayload]>('cancel');

export interface RunState {
  status: RunStatus;
  currentStep: string | null;
  completedSteps: string[];
}
export const stateQuery = defineQuery<RunState>('state');

export { statusSearchAttribute, tagsSearchAttribute, tenantSearchAttribute } from '../lib/search-attributes';
