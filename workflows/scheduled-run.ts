import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ScheduledRunInput, ScheduledRunResult } from '../lib/schedule-contract';

const { startScheduledRun } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // A spec the tool catalog no longer accepts will not start on a retry either.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidRunSpec'] },
});

/**
 * One tick of a Temporal Schedule: starts the schedule's run through the same path as
 * `POST /v1/runs` (validation, `agentRun` workflow, `run.created`), idempotent per tick.
 */
export async function scheduledRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  return startScheduledRun(input);
}
