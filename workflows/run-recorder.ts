import type { RunStatus } from '../lib/events';
import type { AgentRunInput, WorkflowFact } from '../lib/workflow-contract';

/**
 * What a gate (approval, connection) needs of its run: the input, recording facts and the status it shows while it waits.
 * RunContext implements it; the gates take this, not RunContext, so they do not import it.
 */
export interface RunRecorder {
  readonly input: AgentRunInput;
  record(facts: WorkflowFact[]): Promise<number>;
  /** Records facts even when the run's scope is being cancelled. */
  recordFinal(facts: WorkflowFact[]): Promise<number>;
  /** A gate begins to wait: the run shows `kind` as its status. */
  beginWait(kind: GateWait): void;
  /** A gate is done waiting; `show: false` when the run is failing anyway (no status upsert, as before gates were counted). */
  endWait(kind: GateWait, options?: { show?: boolean }): void;
}

/** What a waiting gate shows as the run's status. */
export type GateWait = Extract<RunStatus, 'awaiting_approval' | 'awaiting_connection'>;
