import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { AppError } from '../../lib/errors';
import { recordAdminAction } from '../../lib/admin-audit';
import { appendEvents } from '../../lib/event-log';
import { terminalStatuses } from '../../lib/events';
import type { InFlight } from '../../lib/in-flight';
import type { RunProjection } from '../../lib/run-projection';
import { findRun } from '../../lib/runs-store';
import { dedupeKeys } from '../../lib/workflow-contract';
import { cancelSignal, messageSignal } from '../../workflows/definitions';
import type { Principal } from '../../lib/principal';

export interface RunControlDeps {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
}

const signalDeadlineMs = 10_000;

/** The caller's run, still running; 404 for another tenant's or an unknown run, 409 once it has ended. */
async function liveRun(deps: RunControlDeps, principal: Principal, runId: string): Promise<RunProjection> {
  const run = await findRun(deps.db, principal.tenantId, runId);
  if (!run) throw new AppError('not_found', `run ${runId} not found`);
  if (terminalStatuses.has(run.status)) throw new AppError('conflict', `run ${runId} has already ended (${run.status})`, { status: run.status });
  return run;
}

/** Talks to the run's workflow; a workflow that ended meanwhile is a 409, Temporal unreachable a 503. */
async function toWorkflow(deps: RunControlDeps, runId: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await deps.temporalCalls.track(deps.temporal.connection.withDeadline(Date.now() + signalDeadlineMs, call));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AppError('conflict', `run ${runId} has already ended`);
    throw new AppError('unavailable', 'Temporal did not accept the request', { reason: error instanceof Error ? error.message : String(error) });
  }
}

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

/** Chat: a user message into an agent run; the workflow records `message.received` when it takes it. */
export async function sendMessage(deps: RunControlDeps, principal: Principal, runId: string, text: string): Promise<void> {
  const run = await liveRun(deps, principal, runId);
  if (run.mode !== 'agent') throw new AppError('conflict', `run ${runId} is a plan run; only agent runs take messages`);
  await toWorkflow(deps, runId, () => deps.temporal.workflow.getHandle(runId).signal(messageSignal, { text, actor: principal.actor }));
}
