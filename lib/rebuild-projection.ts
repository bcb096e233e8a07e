import type { Knex } from 'knex';
import { canonicalJson } from './canonical-json';
import { storedEventRows, toProjected } from './event-log';
import { projectApprovalEvents, touchesApprovals } from './approval-projection';
import { applyEvent, type ProjectedEvent, type RunProjection } from './run-projection';
import { rowToRun, runToRow, type RunRow } from './runs-store';

export interface ProjectionRebuild {
  runId: string;
  /** Projection fields whose stored value is not what the events fold to (empty: they agree);
   * `approvals` when the run's rows in the approvals projection differ. */
  differences: Array<keyof RunProjection | 'approvals'>;
  /** Whether the row was rewritten (only in `write` mode, and only when it differed). */
  written: boolean;
}

/**
 * Folds a run's events into its `runs` row again with the one reducer the log uses on append
 * (`applyEvent`). The row is locked FOR UPDATE first, the lock `appendEvents` takes, so a live
 * append waits for the rebuild (or the rebuild for it) and the row never misses an event.
 * `check` only compares; `write` also stores the folded row when it differs.
 */
export async function rebuildRunProjection(db: Knex, runId: string, options: { mode: 'check' | 'write'; pageSize?: number }): Promise<ProjectionRebuild> {
  return db.transaction(async (trx) => {
    const stored = await trx<RunRow>('runs').where({ id: runId }).forUpdate().first();
    if (!stored) throw new Error(`run ${runId} not found`);
    let folded: RunProjection | null = null;
    const approvalEvents: ProjectedEvent[] = [];
    for await (const row of storedEventRows(trx, runId, options)) {
      const event = toProjected(row);
      folded = applyEvent(folded, event);
      if (touchesApprovals(event.type)) approvalEvents.push(event);
    }
    if (!folded) throw new Error(`run ${runId} has no events to rebuild its projection from`);

    const differences: ProjectionRebuild['differences'] = projectionDifferences(rowToRun(stored), folded);
    if (await rebuildApprovals(trx, runId, approvalEvents, options.mode)) differences.push('approvals');
    const written = differences.length > 0 && options.mode === 'write';
    if (written) await trx('runs').where({ id: runId }).update(runToRow(folded));
    return { runId, differences, written };
  });
}

/**
 * Re-projects the run's approvals from its events; true when that changes the stored rows. In
 * `check` mode the re-projection happens inside a savepoint that is rolled back.
 */
async function rebuildApprovals(trx: Knex.Transaction, runId: string, events: ProjectedEvent[], mode: 'check' | 'write'): Promise<boolean> {
  const rowsOf = async () => canonicalJson(await trx('approvals').where({ run_id: runId }).orderBy('id'));
  const before = await rowsOf();
  await trx.raw('savepoint rebuild_approvals');
  await trx('approvals').where({ run_id: runId }).delete();
  await projectApprovalEvents(trx, events);
  const after = await rowsOf();
  await trx.raw(mode === 'check' ? 'rollback to savepoint rebuild_approvals' : 'release savepoint rebuild_approvals');
  return before !== after;
}

/** Compares by canonical JSON: jsonb does not keep key order, and dates compare by instant. */
export function projectionDifferences(stored: RunProjection, folded: RunProjection): Array<keyof RunProjection> {
  const fields = Object.keys(folded) as Array<keyof RunProjection>;
  return fields.filter((field) => canonicalJson(stored[field]) !== canonicalJson(folded[field]));
}
