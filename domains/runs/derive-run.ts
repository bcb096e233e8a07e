import { AppError } from '../../lib/errors';
import { terminalStatuses } from '../../lib/events';
import { recordedResults } from '../../lib/event-log/recorded-results';
import type { RunOrigin, RunSpec } from '../../lib/run-spec';
import { findRun } from '../../lib/runs-store';
import type { RunProjection } from '../../lib/run-projection';
import type { Principal } from '../keys';
import { startRun, type RunServiceDeps, type StartRunResult } from './start-run';

/**
 * A replay: the run's spec again as a new run, each tool call answered with the original's
 * recorded result (no side effect) while models run live. A call the original never made fails
 * the replay with ReplayDiverged. Only an ended run can be replayed: its log is complete.
 */
export async function replayRun(deps: RunServiceDeps, principal: Principal, originId: string, body: { idempotencyKey?: string }): Promise<StartRunResult> {
  const origin = await originRun(deps, principal, originId);
  if (!terminalStatuses.has(origin.status)) {
    throw new AppError('conflict', `run ${originId} is ${origin.status}; only an ended run can be replayed (fork it to reuse what it did so far)`, {
      status: origin.status,
    });
  }
  return startRun(deps, principal, derivedSpec(origin.spec, { runId: origin.id, mode: 'replay' }, body), { originFound: true });
}

/**
 * A fork: the run's spec again (with another input, if given), reusing the original's results of
 * the calls that succeeded before the fork point, and running live from it. The point is a step
 * (the seq of its first `step.started`) or a seq of the original's log.
 */
export async function forkRun(
  deps: RunServiceDeps,
  principal: Principal,
  originId: string,
  body: { idempotencyKey?: string; fromStep?: string; fromSeq?: number; input?: RunSpec['input'] },
): Promise<StartRunResult> {
  const origin = await originRun(deps, principal, originId);
  const fromSeq = body.fromStep !== undefined ? await seqOfStep(deps, origin, body.fromStep) : body.fromSeq!;
  if (fromSeq > origin.lastSeq + 1) {
    throw new AppError(
      'validation_failed',
      `run ${originId} has ${origin.lastSeq} events; fromSeq ${fromSeq} is past its end`,
      [{ path: 'fromSeq', message: `at most ${origin.lastSeq + 1}` }],
      { status: 422 },
    );
  }
  const reused = await recordedResults(deps.db, principal.tenantId, { runId: origin.id, beforeSeq: fromSeq });
  const spec = derivedSpec(origin.spec, { runId: origin.id, mode: 'fork', fromSeq }, body);
  return startRun(deps, principal, spec, { reusedSteps: [...new Set(reused.map((result) => result.stepId))], originFound: true });
}

async function originRun(deps: RunServiceDeps, principal: Principal, originId: string): Promise<RunProjection> {
  const origin = await findRun(deps.db, principal.tenantId, originId);
  if (!origin) throw new AppError('not_found', `run ${originId} not found`);
  return origin;
}

/** The original's spec, as a new run of its own: not its idempotency key (nor its own origin), the fork's input if given. */
function derivedSpec(spec: RunSpec, origin: RunOrigin, body: { idempotencyKey?: string; input?: RunSpec['input'] }): RunSpec {
  const { idempotencyKey: _originKey, origin: _originOrigin, ...rest } = spec;
  return {
    ...rest,
    ...(body.input !== undefined ? { input: body.input } : {}),
    ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
    origin,
  };
}

/** Where a step began in the original's log; a step it never started is a 422 naming those it did. */
async function seqOfStep(deps: RunServiceDeps, origin: RunProjection, stepId: string): Promise<number> {
  const rows: Array<{ seq: number; step_id: string }> = await deps
    .db('run_events')
    .select('seq', deps.db.raw(`data->>'stepId' AS step_id`))
    .where({ tenant_id: origin.tenantId, run_id: origin.id, type: 'step.started' })
    .orderBy('seq', 'asc');
  const found = rows.find((row) => row.step_id === stepId);
  if (found) return Number(found.seq);
  const started = [...new Set(rows.map((row) => row.step_id))];
  throw new AppError(
    'validation_failed',
    `run ${origin.id} never started a step "${stepId}" (it started: ${started.length > 0 ? started.join(', ') : 'none'})`,
    [{ path: 'fromStep', message: `not a step of run ${origin.id}` }],
    { status: 422 },
  );
}
