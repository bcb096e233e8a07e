import type { RunStatus } from '../lib/events';
import type { AgentRunInput, WorkflowFact } from '../lib/workflow-contract';

/**
 * What a gate (approval, connection) needs of its run: the input, recording facts and the status.
 * RunContext implements it; the gates take this, not RunContext, so they do not import it.
 */
export interface RunRecorder {
  readonly input: AgentRunInput;
  record(facts: WorkflowFact[]): Promise<number>;
  /** Records facts even when the run's scope is being cancelled. */
  recordFinal(facts: WorkflowFact[]): Promise<number>;
  setStatus(status: RunStatus): void;
}
