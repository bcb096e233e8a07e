import type { Knex } from 'knex';
import { endStatuses, type Actor } from './events';

export interface PurgedRun {
  runId: string;
  tenantId: string;
  status: string;
  events: number;
}

/**
 * Removes whole finished runs (events, approvals, projection row) that ended before `before`,
 * through `flightdeck_purge_runs` (migrations/20261125050100_retention.ts), the only path past the
 * append-only trigger; it audits each run in `admin_audit`. Batches of `batchSize`, one transaction each.
 */
export async function purgeFinishedRuns(
  db: Knex,
  options: { before: Date; tenantId?: string; actor: Actor; batchSize?: number; onBatch?: (purgedSoFar: number) => void },
): Promise<PurgedRun[]> {
  const batchSize = options.batchSize ?? 500;
  const purged: PurgedRun[] = [];
  for (;;) {
    const { rows } = (await db.raw('SELECT * FROM flightdeck_purge_runs(?, ?, ?, ?::jsonb)', [
      options.before,
      options.tenantId ?? null,
      batchSize,
      JSON.stringify(options.actor),
    ])) as { rows: Array<{ run_id: string; tenant_id: string; status: string; events: string }> };
    purged.push(...rows.map((row) => ({ runId: row.run_id, tenantId: row.tenant_id, status: row.status, events: Number(row.events) })));
    options.onBatch?.(purged.length);
    if (rows.length < batchSize) return purged;
  }
}

/** Finished runs a purge with these options would remove (for `--dry-run`). */
export async function countPurgeable(db: Knex, options: { before: Date; tenantId?: string }): Promise<number> {
  const [row] = await db('runs')
    .whereIn('status', endStatuses)
    .where('completed_at', '<', options.before)
    .modify((builder) => {
      if (options.tenantId) builder.where('tenant_id', options.tenantId);
    })
    .count<Array<{ count: string }>>('* as count');
  return Number(row?.count ?? 0);
}

export const retentionCutoff = (days: number, now: Date = new Date()): Date => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
