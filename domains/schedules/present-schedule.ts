import type { ScheduleDescription } from '@temporalio/client';
import type { z } from 'zod';
import type { scheduleSchema } from '../../lib/api-client/schemas';
import { idempotentRunId } from '../../lib/ids';
import { temporalScheduleId, tickIdempotencyKey } from '../../lib/schedule-contract';
import type { ScheduleDeps, ScheduleMemo } from './schedule-deps';

/** A schedule as the API shows it; `recentRuns` names the run each recent tick started. */
export function presentSchedule(deps: Pick<ScheduleDeps, 'temporalUiUrl' | 'namespace'>, memo: ScheduleMemo, description: ScheduleDescription) {
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
  } satisfies z.input<typeof scheduleSchema>;
}
export type ScheduleView = ReturnType<typeof presentSchedule>;
