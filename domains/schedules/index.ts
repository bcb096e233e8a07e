export type { ScheduleDeps } from './schedule-deps';
export { presentSchedule, type ScheduleView } from './present-schedule';
export { createSchedule } from './create-schedule';
export { getSchedule } from './get-schedule';
export { listSchedules } from './list-schedules';
export { controlSchedule, type ScheduleControl } from './control-schedule';
