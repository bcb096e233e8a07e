/**
 * What the API hands the `agentRun` workflow and what the workflow hands its activities.
 * Types only (plus pure helpers): workflow code imports this file, so it must stay deterministic.
 */
import type { Actor, EventType } from './events';
import type { RunCreatedData } from './run-projection';
import type { RunSpec } from './run-spec';

export const taskQueueDefault = 'flightdeck';
export const workflowType = 'agentRun';

/** Retry and timeout settings the workflow schedules a tool call with (tool defaults + step overrides). */
export interface ToolCallPolicy {
  startToCloseTimeout: string;
  heartbeatTimeout?: string;
  retry: {
    maximumAttempts: number;
    initialInterval: string;
    backoffCoefficient: number;
    maximumInterval: string;
    nonRetryableErrorTypes: string[];
  };
}

export interface AgentRunInput {
  tenantId: string;
  runId: string;
  spec: RunSpec;
  /** The `run.created` fact; the API writes it too, under the same dedupe key, so whoever comes first wins. */
  created: RunCreatedData;
  createdBy: Actor | null;
  /** Resolved per step id (plan) or per tool name (agent) before the workflow starts. */
  policies: Record<string, ToolCallPolicy>;
}

export interface AgentRunResult {
  status: 'completed';
  output: unknown;
}

export interface ExecuteToolInput {
  tenantId: string;
  runId: string;
  stepId: string;
  tool: string;
  args: Record<string, unknown>;
}

/** A workflow-level fact for the `recordEvent` activity; `key` is unique within the run. */
export interface WorkflowFact {
  type: EventType;
  key: string;
  data: Record<string, unknown>;
  actor?: Actor | null;
}

export interface RecordEventInput {
  tenantId: string;
  runId: string;
  facts: WorkflowFact[];
}

/** Dedupe keys: derived from durable identity only, never from time or randomness. */
export const dedupeKeys = {
  runFact: (runId: string, key: string): string => `${runId}/${key}`,
  toolCall: (
    execution: { workflowId: string; runId: string },
    activityId: string,
    attempt: number,
    phase: 'started' | 'succeeded' | 'failed',
  ): string => `${execution.workflowId}/${execution.runId}/activity/${activityId}/${attempt}/${phase}`,
};
