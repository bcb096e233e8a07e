import { Router } from 'express';
import { parseOrThrow } from '../../lib/errors';
import { principalWithRole } from '../auth';
import { controlSchedule, createSchedule, getSchedule, listSchedules, type ScheduleControl, type ScheduleDeps } from '../../domains/schedules';
import { createScheduleBody, scheduleControlBody, scheduleIdParams } from '../../lib/rest-schemas';

/** Recurring runs as Temporal Schedules: viewers read, operators create and control (every change is audited). */
export function schedulesRouter(deps: ScheduleDeps): Router {
  const router = Router();
  router.post('/schedules', async (request, response) => {
    const body = parseOrThrow(createScheduleBody, request.body, 'body');
    response.status(201).json({ schedule: await createSchedule(deps, principalWithRole(request, 'operator'), body) });
  });
  router.get('/schedules', async (request, response) => {
    response.json({ schedules: await listSchedules(deps, principalWithRole(request, 'viewer')) });
  });
  router.get('/schedules/:id', async (request, response) => {
    const { id } = parseOrThrow(scheduleIdParams, request.params, 'path');
    response.json({ schedule: await getSchedule(deps, principalWithRole(request, 'viewer'), id) });
  });

  const control = (method: 'post' | 'delete', path: string, action: ScheduleControl, status: number) =>
    router[method](path, async (request, response) => {
      const { id } = parseOrThrow(scheduleIdParams, request.params, 'path');
      const { note } = parseOrThrow(scheduleControlBody, request.body ?? {}, 'body');
      const principal = principalWithRole(request, 'operator');
      await controlSchedule(deps, principal, id, action, note ?? null);
      response.status(status).json(action === 'delete' ? { deleted: id } : { schedule: await getSchedule(deps, principal, id) });
    });
  control('post', '/schedules/:id/pause', 'pause', 200);
  control('post', '/schedules/:id/unpause', 'unpause', 200);
  control('post', '/schedules/:id/trigger', 'trigger', 202);
  control('delete', '/schedules/:id', 'delete', 200);
  return router;
}
