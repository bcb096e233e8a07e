import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { startRun } from '../domains/runs';
import type { RunStartSettings } from '../lib/config';
import { recordAdminActionOncePerTick } from '../lib/admin-audit';
import { AppError } from '../lib/errors';
import { InFlight } from '../lib/in-flight';
import { scheduleActor, tickIdempotencyKey, type ScheduledRunInput, type ScheduledRunResult } from '../lib/schedule-contract';
import type { ToolRegistry } from '../tools/registry';
import { FailureType } from '../lib/failure-types';

/** What a schedule tick needs to start a run as the API does: the worker's client and the same run-start settings. */
export interface RunStarterDeps extends RunStartSettings {
  temporal: Client;
  /** `temporal` runs on this worker's NativeConnection: the tick's run starts eagerly (run-service.ts). */
  eagerStart?: boolean;
}

/** The worker's run-start settings, or a non-retryable NotConfigured failure saying what this worker cannot do without them. */
export function requireRunStarter(runStarter: RunStarterDeps | undefined, missing: string): RunStarterDeps {
  if (runStarter) return runStarter;
  throw ApplicationFailure.create({ type: FailureType.NotConfigured, message: missing, nonRetryable: true });
}

/**
 * The activity behind each schedule tick: `startRun` (domains/runs/start-run.ts) with the schedule as the
 * actor and the tick's workflow id as the idempotency key, so retries find the same run.
 */
export function startScheduledRunActivity(deps: { db: Knex; tools: ToolRegistry; runStarter?: RunStarterDeps }) {
  return async function startScheduledRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
    const runStarter = requireRunStarter(deps.runStarter, 'this worker has no Temporal client to start scheduled runs');
    const execution = Context.current().info.workflowExecution;
    const tick = execution?.workflowId;
    if (!tick)
      throw ApplicationFailure.create({ type: FailureType.NotConfigured, message: 'startScheduledRun runs only inside a schedule tick', nonRetryable: true });
    // A schedule acts with its creator's authority: once that key is revoked, its ticks start nothing.
    if (input.createdBy.type === 'api_key' && input.createdBy.id) {
      const revoked = await deps.db('api_keys').where({ id: input.createdBy.id }).whereNotNull('revoked_at').first('id');
      if (revoked) {
        // Seen by the tenant's admins in GET /v1/admin/audit: the schedule is still there, starting nothing.
        await recordAdminActionOncePerTick(deps.db, {
          tenantId: input.tenantId,
          actor: scheduleActor(input.scheduleId),
          action: 'schedule.tick_refused',
          target: input.scheduleId,
          details: { tick, tickExecution: execution.runId, reason: 'key_revoked', keyId: input.createdBy.id },
        });
        throw ApplicationFailure.create({
          type: FailureType.KeyRevoked,
          message: `schedule ${input.scheduleId} was created by API key ${input.createdBy.id}, which is revoked: its ticks start no runs (delete the schedule, or create it again with a live key)`,
          nonRetryable: true,
        });
      }
    }
    const spec = { ...input.spec, idempotencyKey: tickIdempotencyKey(tick) };
    try {
      const { run, created } = await startRun(
        { db: deps.db, tools: deps.tools, temporalCalls: new InFlight(), ...runStarter },
        { tenantId: input.tenantId, role: 'operator', superAdmin: false, actor: scheduleActor(input.scheduleId) },
        spec,
        // Whoever created the schedule counts as the run's creator: they may not approve its gates either.
        { onBehalfOf: input.createdBy },
      );
      return { runId: run.id, created };
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        throw ApplicationFailure.create({ type: FailureType.InvalidRunSpec, message: error.message, details: [error.details], nonRetryable: true });
      }
      throw error;
    }
  };
}
