import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { AppError } from '../../lib/errors';
import { terminalStatuses } from '../../lib/events';
import type { InFlight } from '../../lib/in-flight';
import type { RunProjection } from '../../lib/run-projection';
import { findRun } from '../../lib/runs-store';
import type { Principal } from '../keys';

/** What cancelling, terminating and messaging a run use. */
export interface RunControlDeps {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
}

const signalDeadlineMs = 10_000;

/** The caller's run, still running; 404 for another tenant's or an unknown run, 409 once it has ended. */
export async function liveRun(deps: Pick<RunControlDeps, 'db'>, principal: Principal, runId: string): Promise<RunProjection> {
  const run = await findRun(deps.db, principal.tenantId, runId);
  if (!run) throw new AppError('not_found', `run ${runId} not found`);
  if (terminalStatuses.has(run.status)) throw new AppError('conflict', `run ${runId} has already ended (${run.status})`, { status: run.status });
  return run;
}

/** Talks to the run's workflow; a workflow that ended meanwhile is a 409, Temporal unreachable a 503. */
export async function toWorkflow(deps: Omit<RunControlDeps, 'db'>, runId: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await deps.temporalCalls.track(deps.temporal.connection.withDeadline(Date.now() + signalDeadlineMs, call));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AppError('conflict', `run ${runId} has already ended`);
    throw new AppError('unavailable', 'Temporal did not accept the request', { reason: error instanceof Error ? error.message : String(error) });
  }
}
