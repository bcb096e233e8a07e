import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { systemActor } from '../lib/admin-audit';
import { purgeFinishedRuns, retentionCutoff } from '../lib/retention';
import type { RetentionPurgeInput, RetentionPurgeResult } from '../lib/schedule-contract';

/** Audit rows of scheduled purges name this actor; `npm run retention` is `retention`. */
export const retentionScheduleActor = systemActor('retention-schedule');

/** The activity behind the retention schedule: `purgeFinishedRuns` over every tenant, as `npm run retention` does. */
export function purgeExpiredRunsActivity(deps: { db: Knex }) {
  return async function purgeExpiredRuns(input: RetentionPurgeInput): Promise<RetentionPurgeResult> {
    const context = Context.current();
    const before = retentionCutoff(input.days);
    const purged = await purgeFinishedRuns(deps.db, {
      before,
      actor: retentionScheduleActor,
      onBatch: (count) => context.heartbeat(count),
      onShrink: (batchSize) =>
        context.log.warn('a retention batch ran into the statement timeout and was rolled back: going on with smaller batches', { batchSize }),
    });
    const events = purged.reduce((sum, run) => sum + run.events, 0);
    context.log.info('retention purge done', { purged: purged.length, events, before: before.toISOString() });
    return { purged: purged.length, events, before: before.toISOString() };
  };
}
