import { defineQuery, defineSignal } from '@temporalio/workflow';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { Actor, RunStatus } from '../lib/events';
import { searchAttributeNames } from '../lib/workflow-contract';

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

export const statusSearchAttribute = defineSearchAttributeKey(searchAttributeNames.status, SearchAttributeType.KEYWORD);
export const tenantSearchAttribute = defineSearchAttributeKey(searchAttributeNames.tenant, SearchAttributeType.KEYWORD);
export const tagsSearchAttribute = defineSearchAttributeKey(searchAttributeNames.tags, SearchAttributeType.KEYWORD_LIST);
