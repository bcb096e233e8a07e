import { AppError } from '../../lib/errors';
import { temporalScheduleId } from '../../lib/schedule-contract';
import type { Principal } from '../keys';
import { getSchedule } from './get-schedule';
import type { ScheduleView } from './present-schedule';
import { memoOf, temporalCall, type ScheduleDeps } from './schedule-deps';

/** The tenant's schedules. Temporal's schedule list is eventually consistent: a new one may take a moment to show. */
export async function listSchedules(deps: ScheduleDeps, principal: Principal): Promise<ScheduleView[]> {
  const prefix = temporalScheduleId(principal.tenantId, '');
  const ids: string[] = [];
  await temporalCall(deps, '(list)', async () => {
    for await (const summary of deps.temporal.schedule.list()) {
      if (summary.scheduleId.startsWith(prefix) && memoOf(summary)?.tenantId === principal.tenantId) ids.push(summary.scheduleId.slice(prefix.length));
    }
  });
  const views: ScheduleView[] = [];
  for (const id of ids.sort()) {
    try {
      views.push(await getSchedule(deps, principal, id));
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error; // deleted since it was listed
    }
  }
  return views;
}
