import type { Knex } from 'knex';
import { endStatuses, type Actor } from './events';

export interface PurgedRun {
  runId: string;
  tenantId: string;
  status: string;
  events: number;
}

/** Postgres's code for a statement cancelled by `statement_timeout` (or a cancel request). */
const queryCanceled = '57014';

/**
 * Removes whole finished runs (events, approvals, projection row) that ended before `before`,
 * through `flightdeck_purge_runs` (migrations/20261125050100_retention.ts), the only path past the
 * append-only trigger; it audits each run in `admin_audit`. Batches of `batchSize` (default 500),
 * one transaction each. A batch the pool's statement timeout cancels (very long runs, a slow disk)
 * was rolled back whole: it is tried again at half the size, down to one run, and the purge goes
 * on at that size (`onShrink` hears each new size).
 */
export async function purgeFinishedRuns(
  db: Knex,
  options: {
    before: Date;
    tenantId?: string;
    actor: Actor;
    batchSize?: number;
    onBatch?: (purgedSoFar: number) => void;
    onShrink?: (batchSize: number) => void;
  },
): Promise<PurgedRun[]> {
  let batchSize = options.batchSize ?? 500;
  const purged: PurgedRun[] = [];
  for (;;) {
    let rows: Array<{ run_id: string; tenant_id: string; status: string; events: string }>;
    try {
      ({ rows } = (await db.raw('SELECT * FROM flightdeck_purge_runs(?, ?, ?, ?::jsonb)', [
        options.before,
        options.tenantId ?? null,
        batchSize,
        JSON.stringify(options.actor),
      ])) as { rows: typeof rows });
    } catch (error) {
      if ((error as { code?: unknown }).code !== queryCanceled || batchSize === 1) throw error;
      batchSize = Math.max(1, Math.floor(batchSize / 2));
      options.onShrink?.(batchSize);
      continue;
    }
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
