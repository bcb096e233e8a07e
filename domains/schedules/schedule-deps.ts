import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import { recordAdminAction, type AdminAction } from '../../lib/admin-audit';
import { AppError } from '../../lib/errors';
import type { RunSpec } from '../../lib/run-spec';
import { temporalScheduleId } from '../../lib/schedule-contract';
import type { Principal } from '../keys';
import type { RunServiceDeps } from '../runs';

/** What the schedule use cases use: Temporal and the run-start settings, plus the links the views carry. */
export interface ScheduleDeps extends Pick<RunServiceDeps, 'db' | 'temporal' | 'temporalCalls' | 'tools' | 'taskQueue' | 'approvalPolicy' | 'definitions'> {
  temporalUiUrl: string;
  namespace: string;
}

/** What the schedule's memo keeps: the request as given, so it reads back as written (Temporal normalises cron to calendars). */
export interface ScheduleMemo {
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

export const memoOf = (description: { memo?: Record<string, unknown> }): ScheduleMemo | null => {
  const memo = description.memo as Partial<ScheduleMemo> | undefined;
  return memo?.tenantId && memo.scheduleId ? (memo as ScheduleMemo) : null;
};

/** gRPC INVALID_ARGUMENT (3), e.g. a cron expression Temporal cannot read, on the error or its cause. */
const isInvalidArgument = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { code?: unknown }).code === 3 || isInvalidArgument((error as { cause?: unknown }).cause));

/** Every Temporal call of the schedule use cases: 503 when Temporal does not answer, 404 for an unknown schedule. */
export async function temporalCall<T>(deps: ScheduleDeps, id: string, call: () => Promise<T>): Promise<T> {
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
export async function describeOwn(deps: ScheduleDeps, principal: Principal, id: string) {
  const handle = deps.temporal.schedule.getHandle(temporalScheduleId(principal.tenantId, id));
  const description = await temporalCall(deps, id, () => handle.describe());
  const memo = memoOf(description);
  if (!memo || memo.tenantId !== principal.tenantId) throw new AppError('not_found', `schedule ${id} not found`);
  return { handle, description, memo };
}

/** Every change to a schedule leaves an admin audit row naming who made it. */
export function auditSchedule(deps: Pick<ScheduleDeps, 'db'>, principal: Principal, action: AdminAction, scheduleId: string, details: Record<string, unknown>) {
  return recordAdminAction(deps.db, { tenantId: principal.tenantId, actor: principal.actor, action, target: scheduleId, details });
}
