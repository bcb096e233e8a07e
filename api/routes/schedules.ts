import { controlSchedule, createSchedule, getSchedule, listSchedules, type ScheduleControl, type ScheduleDeps } from '../../domains/schedules';
import { scheduleBodySchema, scheduleDeletedSchema, scheduleListSchema } from '../../lib/api-client/schemas';
import { createScheduleBody, scheduleControlBody, scheduleIdParams } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

/** Pause, unpause, trigger and delete: each audited with its optional note. */
const controlRoute = (method: 'post' | 'delete', action: ScheduleControl, operationId: string, summary: string, status: number) =>
  defineRoute({
    method,
    path: action === 'delete' ? '/v1/schedules/:id' : `/v1/schedules/:id/${action}`,
    operationId,
    summary,
    role: 'operator',
    params: scheduleIdParams,
    body: scheduleControlBody,
    bodyOptional: true,
    success:
      action === 'delete'
        ? { status, description: 'the id of the schedule deleted', schema: scheduleDeletedSchema }
        : { status, description: 'the schedule as it is now', schema: scheduleBodySchema },
    errors: [400, 401, 403, 404, 503],
    handler: async ({ params, body, principal }, deps: ScheduleDeps) => {
      await controlSchedule(deps, principal, params.id, action, body.note ?? null);
      return { json: action === 'delete' ? { deleted: params.id } : { schedule: await getSchedule(deps, principal, params.id) } };
    },
  });

/** Recurring runs as Temporal Schedules: viewers read, operators create and control (every change is audited). */
export const schedulesRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/schedules',
    operationId: 'createSchedule',
    summary: 'Create a recurring run (cron or interval) as a Temporal Schedule',
    role: 'operator',
    body: createScheduleBody,
    success: { status: 201, description: 'the schedule created', schema: scheduleBodySchema },
    errors: [400, 401, 403, 409, 422, 503],
    handler: async ({ body, principal }, deps: ScheduleDeps) => ({ json: { schedule: await createSchedule(deps, principal, body) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/schedules',
    operationId: 'listSchedules',
    summary: "The tenant's schedules",
    role: 'viewer',
    success: { status: 200, description: "the tenant's schedules", schema: scheduleListSchema },
    errors: [401, 403, 503],
    handler: async ({ principal }, deps: ScheduleDeps) => ({ json: { schedules: await listSchedules(deps, principal) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/schedules/:id',
    operationId: 'getSchedule',
    summary: 'One schedule: next run times, recent runs',
    role: 'viewer',
    params: scheduleIdParams,
    success: { status: 200, description: 'the schedule', schema: scheduleBodySchema },
    errors: [400, 401, 403, 404, 503],
    handler: async ({ params, principal }, deps: ScheduleDeps) => ({ json: { schedule: await getSchedule(deps, principal, params.id) } }),
  }),
  controlRoute('post', 'pause', 'pauseSchedule', 'Pause a schedule', 200),
  controlRoute('post', 'unpause', 'unpauseSchedule', 'Unpause a schedule', 200),
  controlRoute('post', 'trigger', 'triggerSchedule', "Start the schedule's run now", 202),
  controlRoute('delete', 'delete', 'deleteSchedule', 'Delete a schedule (runs it started stay)', 200),
];
