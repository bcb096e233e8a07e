import { ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { ulid } from 'ulidx';
import { recordAdminAction, type AdminAction } from '../../lib/admin-audit';
import { AppError } from '../../lib/errors';
import { idempotentRunId } from '../../lib/ids';
import type { RunSpec } from '../../lib/run-spec';
import { scheduledRunWorkflowType, temporalScheduleId, tickIdempotencyKey, tickWorkflowIdPrefix, type ScheduledRunInput } from '../../lib/schedule-contract';
import { tenantSearchAttribute } from '../../lib/search-attributes';
import type { Principal } from '../../lib/principal';
import { resolveRunPolicies } from '../runs/resolve-policies';
import type { RunServiceDeps } from '../runs/start-run';
import type { CreateScheduleBody } from '../../lib/rest-schemas';

/** What the schedule's memo keeps: the request as given, so it reads back as written (Temporal normalises cron to calendars). */
interface ScheduleMemo {
  tenantId: string;
  scheduleId: string;
  cron: string | null;
  every: string | null;
  timezone: string | null;
  note: string | null;
  spec: RunSpec;
  createdBy: Principal['actor'];
  createdAt: string;
}

export interface ScheduleDeps extends RunServiceDeps {
  temporalUiUrl: string;
  namespace: string;
}

/** A schedule as the API shows it; `recentRuns` names the run each recent tick started. */
export function presentSchedule(deps: ScheduleDeps, memo: ScheduleMemo, description: ScheduleDescription) {
  const temporalId = temporalScheduleId(memo.tenantId, memo.scheduleId);
  return {
    id: memo.scheduleId,
    cron: memo.cron,
    every: memo.every,
    timezone: memo.timezone,
    spec: memo.spec,
    paused: description.state.paused,
    note: description.state.note ?? null,
    nextRunTimes: description.info.nextActionTimes.map((time) => time.toISOString()),
    recentRuns: description.info.recentActions.map((action) => ({
      scheduledAt: action.scheduledAt.toISOString(),
      runId: idempotentRunId(memo.tenantId, tickIdempotencyKey(action.action.workflow.workflowId)),
    })),
    createdBy: memo.createdBy,
    createdAt: memo.createdAt,
    temporalUrl: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/schedules/${encodeURIComponent(temporalId)}`,
  };
}
export type ScheduleView = ReturnType<typeof presentSchedule>;

const memoOf = (description: { memo?: Record<string, unknown> }): ScheduleMemo | null => {
  const memo = description.memo as Partial<ScheduleMemo> | undefined;
  return memo?.tenantId && memo.scheduleId ? (memo as ScheduleMemo) : null;
};

/** gRPC INVALID_ARGUMENT (3), e.g. a cron expression Temporal cannot read, on the error or its cause. */
const isInvalidArgument = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { code?: unknown }).code === 3 || isInvalidArgument((error as { cause?: unknown }).cause));

/** Every Temporal call of this module: 503 when Temporal does not answer, 404 for an unknown schedule. */
async function temporalCall<T>(deps: ScheduleDeps, id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await deps.temporalCalls.track(call());
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new AppError('not_found', `schedule ${id} not found`);
    if (error instanceof ScheduleAlreadyRunning) throw new AppError('conflict', `schedule ${id} already exists`);
    if (error instanceof AppError) throw error;
    if (isInvalidArgument(error)) throw new AppError('validation_failed', `Temporal refused the schedule: ${(error as Error).message}`);
    throw new AppError('unavailable', 'Temporal did not answer', { reason: error instanceof Error ? error.message : String(error) });
  }
}

/** The tenant's schedule, described; another tenant's is a 404 like a missing one. */
async function describeOwn(deps: ScheduleDeps, principal: Principal, id: string) {
  const handle = deps.temporal.schedule.getHandle(temporalScheduleId(principal.tenantId, id));
  const description = await temporalCall(deps, id, () => handle.describe());
  const memo = memoOf(description);
  if (!memo || memo.tenantId !== principal.tenantId) throw new AppError('not_found', `schedule ${id} not found`);
  return { handle, description, memo };
}

/** Creates a Temporal Schedule whose ticks start `spec` as a run (validated now, as POST /v1/runs would). */
export async function createSchedule(deps: ScheduleDeps, principal: Principal, body: CreateScheduleBody): Promise<ScheduleView> {
  await deps.tools.refresh();
  resolveRunPolicies(body.spec, deps.tools); // 422 now rather than a failing tick later
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
  await audit(deps, principal, 'schedule.created', scheduleId, { cron: memo.cron, every: memo.every, timezone: memo.timezone, name: body.spec.name ?? null });
  return getSchedule(deps, principal, scheduleId);
}

export async function getSchedule(deps: ScheduleDeps, principal: Principal, id: string): Promise<ScheduleView> {
  const { description, memo } = await describeOwn(deps, principal, id);
  return presentSchedule(deps, memo, description);
}

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

export type ScheduleControl = 'pause' | 'unpause' | 'trigger' | 'delete';
const auditAction: Record<ScheduleControl, AdminAction> = {
  pause: 'schedule.paused',
  unpause: 'schedule.unpaused',
  trigger: 'schedule.triggered',
  delete: 'schedule.deleted',
};

/** Pause, unpause, trigger now (a tick outside the spec; overlap allowed) or delete; each is audited. */
export async function controlSchedule(deps: ScheduleDeps, principal: Principal, id: string, control: ScheduleControl, note: string | null): Promise<void> {
  const { handle } = await describeOwn(deps, principal, id);
  const actions: Record<ScheduleControl, () => Promise<void>> = {
    pause: () => handle.pause(note ?? `paused through the Flightdeck API by ${principal.actor.id}`),
    unpause: () => handle.unpause(note ?? `unpaused through the Flightdeck API by ${principal.actor.id}`),
    trigger: () => handle.trigger('ALLOW_ALL'),
    delete: () => handle.delete(),
  };
  await temporalCall(deps, id, actions[control]);
  await audit(deps, principal, auditAction[control], id, note ? { note } : {});
}

function audit(deps: ScheduleDeps, principal: Principal, action: AdminAction, scheduleId: string, details: Record<string, unknown>) {
  return recordAdminAction(deps.db, { tenantId: principal.tenantId, actor: principal.actor, action, target: scheduleId, details });
}
