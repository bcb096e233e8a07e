import type { Principal } from '../keys';
import { presentSchedule, type ScheduleView } from './present-schedule';
import { describeOwn, type ScheduleDeps } from './schedule-deps';

/** The tenant's schedule as the API shows it; another tenant's is a 404. */
export async function getSchedule(deps: ScheduleDeps, principal: Principal, id: string): Promise<ScheduleView> {
  const { description, memo } = await describeOwn(deps, principal, id);
  return presentSchedule(deps, memo, description);
}
