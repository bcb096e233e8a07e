import { ulid } from 'ulidx';
import type { CreateScheduleBody } from '../../lib/rest-schemas';
import { scheduledRunWorkflowType, temporalScheduleId, tickWorkflowIdPrefix, type ScheduledRunInput } from '../../lib/schedule-contract';
import { tenantSearchAttribute } from '../../lib/search-attributes';
import type { Principal } from '../keys';
import { checkRunSpec } from '../runs';
import { getSchedule } from './get-schedule';
import type { ScheduleView } from './present-schedule';
import { auditSchedule, temporalCall, type ScheduleDeps, type ScheduleMemo } from './schedule-deps';

/** Creates a Temporal Schedule whose ticks start `spec` as a run (validated now, as POST /v1/runs would: checkRunSpec). */
export async function createSchedule(deps: ScheduleDeps, principal: Principal, body: CreateScheduleBody): Promise<ScheduleView> {
  const tools = deps.tools.forTenant(principal.tenantId);
  await tools.refresh();
  // Now rather than a failing tick later: a definition's input (400, 404 unknown), then can it run (422).
  checkRunSpec({ ...deps, tools }, body.spec);
  const scheduleId = body.id ?? `sch_${ulid()}`;
  const memo: ScheduleMemo = {
    tenantId: principal.tenantId,
    scheduleId,
    cron: body.cron ?? null,
    every: body.every ?? null,
    timezone: body.timezone ?? null,
    note: body.note ?? null,
    spec: body.spec,
    createdBy: principal.actor,
    createdAt: new Date().toISOString(),
  };
  const input: ScheduledRunInput = { tenantId: principal.tenantId, scheduleId, spec: body.spec, createdBy: principal.actor };
  await temporalCall(deps, scheduleId, () =>
    deps.temporal.schedule.create({
      scheduleId: temporalScheduleId(principal.tenantId, scheduleId),
      spec: {
        ...(body.cron ? { cronExpressions: [body.cron] } : {}),
        ...(body.every ? { intervals: [{ every: body.every }] } : {}),
        ...(body.timezone ? { timezone: body.timezone } : {}),
      },
      action: {
        type: 'startWorkflow',
        workflowType: scheduledRunWorkflowType,
        workflowId: tickWorkflowIdPrefix(principal.tenantId, scheduleId),
        taskQueue: deps.taskQueue,
        args: [input],
        typedSearchAttributes: [{ key: tenantSearchAttribute, value: principal.tenantId }],
      },
      // A tick still starting its run when the next comes due: skip the next one.
      policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
      state: { paused: body.paused, ...(body.note ? { note: body.note } : {}) },
      memo: { ...memo },
      typedSearchAttributes: [{ key: tenantSearchAttribute, value: principal.tenantId }],
    }),
  );
  await auditSchedule(deps, principal, 'schedule.created', scheduleId, {
    cron: memo.cron,
    every: memo.every,
    timezone: memo.timezone,
    name: body.spec.name ?? null,
  });
  return getSchedule(deps, principal, scheduleId);
}
