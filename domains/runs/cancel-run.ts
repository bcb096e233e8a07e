import { appendEvents } from '../../lib/event-log';
import { dedupeKeys } from '../../lib/workflow-contract';
import { cancelSignal } from '../../workflows/definitions';
import type { Principal } from '../keys';
import { liveRun, toWorkflow, type RunControlDeps } from './run-workflow';

/** Graceful cancel: recorded with who asked, then the workflow cancels its in-flight tool call. */
export async function cancelRun(deps: RunControlDeps, principal: Principal, runId: string, reason: string | null): Promise<void> {
  await liveRun(deps, principal, runId);
  await appendEvents(
    deps.db,
    { tenantId: principal.tenantId, runId },
    [{ type: 'run.cancel_requested', dedupeKey: dedupeKeys.runFact(runId, 'run.cancel_requested'), data: { reason }, actor: principal.actor }],
    { writer: 'api' },
  );
  await toWorkflow(deps, runId, () => deps.temporal.workflow.getHandle(runId).signal(cancelSignal, { reason: reason ?? undefined, actor: principal.actor }));
}
