import { recordAdminAction } from '../../lib/admin-audit';
import { appendEvents } from '../../lib/event-log';
import { dedupeKeys } from '../../lib/workflow-contract';
import type { Principal } from '../keys';
import { liveRun, toWorkflow, type RunControlDeps } from './run-workflow';

/** Ops' hard stop: Temporal terminates the workflow (no workflow code runs), so the API records the end. */
export async function terminateRun(deps: RunControlDeps, principal: Principal, runId: string, reason: string | null): Promise<void> {
  await liveRun(deps, principal, runId);
  await toWorkflow(deps, runId, () => deps.temporal.workflow.getHandle(runId).terminate(reason ?? 'terminated through the Flightdeck API'));
  await appendEvents(
    deps.db,
    { tenantId: principal.tenantId, runId },
    [{ type: 'run.terminated', dedupeKey: dedupeKeys.runFact(runId, 'run.terminated'), data: { reason }, actor: principal.actor }],
    { writer: 'api' },
  );
  await recordAdminAction(deps.db, { tenantId: principal.tenantId, actor: principal.actor, action: 'run.terminated', target: runId, details: { reason } });
}
