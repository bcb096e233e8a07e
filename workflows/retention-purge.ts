import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RetentionPurgeInput, RetentionPurgeResult } from '../lib/schedule-contract';

const { purgeExpiredRuns } = proxyActivities<Activities>({
  // A large backlog purges in batches of 500; each batch heartbeats, so a stuck one is retried.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/**
 * One day's tick of the retention schedule (worker/retention-schedule.ts): the same audited purge
 * as `npm run retention`, as an activity, so Temporal retries it and shows it in Web UI.
 */
export async function retentionPurge(input: RetentionPurgeInput): Promise<RetentionPurgeResult> {
  return purgeExpiredRuns(input);
}
