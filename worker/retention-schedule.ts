import { isDeepStrictEqual } from 'node:util';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { Logger } from 'pino';
import { retentionScheduleId, retentionWorkflowType, type RetentionPurgeInput } from '../lib/schedule-contract';

/** Daily, in UTC: a quiet hour for most installations. */
export const retentionCron = '17 3 * * *';

export type RetentionScheduleOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

const noteFor = (days: number) =>
  `Flightdeck retention: purges finished runs that ended more than ${days} days ago (FLIGHTDECK_RETENTION_DAYS); kept in step by the worker at boot`;

/**
 * Makes the deployment's retention schedule match FLIGHTDECK_RETENTION_DAYS, at worker boot. Every
 * replica calls it: creating twice is ScheduleAlreadyRunning, and the update is the same for all,
 * so N replicas leave one schedule. Unset deletes it. An unchanged setting leaves the schedule
 * alone, so an operator's pause in Temporal Web UI survives restarts.
 */
export async function ensureRetentionSchedule(
  temporal: Client,
  options: { taskQueue: string; days: number | undefined; log: Logger },
): Promise<RetentionScheduleOutcome> {
  const scheduleId = retentionScheduleId(options.taskQueue);
  const handle = temporal.schedule.getHandle(scheduleId);
  const outcome = await reconcile();
  options.log.info({ scheduleId, days: options.days ?? null, outcome }, 'retention schedule');
  return outcome;

  async function reconcile(): Promise<RetentionScheduleOutcome> {
    if (options.days === undefined) {
      try {
        await handle.delete();
        return 'deleted';
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) return 'absent';
        throw error;
      }
    }
    const input: RetentionPurgeInput = { days: options.days };
    const spec: ScheduleSpec = { cronExpressions: [retentionCron] };
    const action: ScheduleOptionsAction = {
      type: 'startWorkflow',
      workflowType: retentionWorkflowType,
      workflowId: scheduleId.replace(':', '-'),
      taskQueue: options.taskQueue,
      args: [input],
    };
    // A worker down at the hour catches up within the day; a purge still running skips the next.
    const policies = { overlap: 'SKIP' as const, catchupWindow: '1 day' as const };
    try {
      await temporal.schedule.create({
        scheduleId,
        spec,
        action,
        policies,
        state: { note: noteFor(options.days) },
        memo: { flightdeck: 'maintenance', purpose: 'retention' },
      });
      return 'created';
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
    const current = await handle.describe();
    const currentInput = current.action.args?.[0];
    if (isDeepStrictEqual(currentInput, input) && current.action.taskQueue === options.taskQueue) return 'unchanged';
    await handle.update((previous) => ({
      ...previous,
      spec,
      action,
      policies: { ...previous.policies, ...policies },
      // A paused schedule keeps the operator's note (why it is paused).
      state: { ...previous.state, note: previous.state.paused ? previous.state.note : noteFor(input.days) },
    }));
    return 'updated';
  }
}
