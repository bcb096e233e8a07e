import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor } from './events';

/** Every admin action the `admin_audit` table records. */
export const adminActions = [
  'api_key.created',
  'api_key.revoked',
  'run.terminated',
  'schedule.created',
  'schedule.paused',
  'schedule.unpaused',
  'schedule.triggered',
  'schedule.deleted',
  /** A tick of the schedule started nothing: the API key that created it is revoked (by the schedule's actor, once per tick). */
  'schedule.tick_refused',
  'retention.purged',
  /** A tenant's MCP server registered or removed (POST / DELETE /v1/mcp-servers); details name its URL and header names, never values. */
  'mcp_server.registered',
  'mcp_server.deleted',
  /** `PUT /v1/budget`: the tenant's monthly model budget set or cleared. */
  'budget.updated',
] as const;
export const adminActionSchema = z.enum(adminActions);
export type AdminAction = z.infer<typeof adminActionSchema>;

/** The maintenance commands (`npm run retention`) act as this actor. */
export const systemActor = (name: string): Actor => ({ type: 'system', id: name });

export interface AdminAuditEntry {
  /** null for installation-wide actions (a retention purge over every tenant). */
  tenantId: string | null;
  actor: Actor;
  action: AdminAction;
  target: string | null;
  details?: Record<string, unknown>;
}

export interface AdminAuditView {
  id: string;
  tenantId: string | null;
  at: string;
  actor: Actor;
  ip: string | null;
  action: AdminAction;
  target: string | null;
  details: Record<string, unknown>;
}

interface AdminAuditRow {
  id: string;
  tenant_id: string | null;
  at: Date;
  actor: Actor;
  ip: string | null;
  action: AdminAction;
  target: string | null;
  details: Record<string, unknown>;
}

/** Appends one row; pass the transaction of the change it records, so both land or neither does. */
export async function recordAdminAction(db: Knex | Knex.Transaction, entry: AdminAuditEntry): Promise<void> {
  await db('admin_audit').insert({
    tenant_id: entry.tenantId,
    actor: JSON.stringify(entry.actor),
    ip: entry.actor.ip ?? null,
    action: entry.action,
    target: entry.target,
    details: JSON.stringify(entry.details ?? {}),
  });
}

/**
 * Appends one row unless one of the same action already holds `details.tickExecution` (the tick
 * workflow's Temporal run id): an activity that records it and is then retried (its worker died
 * before reporting) records it once. Not the tick's workflow id: two triggers in one second share it.
 */
export async function recordAdminActionOncePerTick(db: Knex, entry: AdminAuditEntry & { details: { tickExecution: string } }): Promise<void> {
  await db.transaction(async (trx) => {
    // Two attempts of one tick at once would both miss the other's row: they queue on the tick's lock.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`admin_audit:${entry.action}:${entry.details.tickExecution}`]);
    const recorded = await trx('admin_audit')
      .where({ action: entry.action })
      .whereRaw("details->>'tickExecution' = ?", [entry.details.tickExecution])
      .first('id');
    if (!recorded) await recordAdminAction(trx, entry);
  });
}

/** A tenant's audit trail, newest first, paged by id (`beforeId`). Installation-wide rows show to every tenant's admins. */
export async function listAdminAudit(
  db: Knex,
  query: { tenantId: string; limit: number; beforeId?: string; action?: AdminAction[] },
): Promise<{ entries: AdminAuditView[]; nextBeforeId: string | null }> {
  const rows: AdminAuditRow[] = await db<AdminAuditRow>('admin_audit')
    .where((where) => where.where('tenant_id', query.tenantId).orWhereNull('tenant_id'))
    .modify((builder) => {
      if (query.beforeId) builder.where('id', '<', query.beforeId);
      if (query.action) builder.whereIn('action', query.action);
    })
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map((row: AdminAuditRow) => ({
      id: String(row.id),
      tenantId: row.tenant_id,
      at: row.at.toISOString(),
      actor: row.actor,
      ip: row.ip,
      action: row.action,
      target: row.target,
      details: row.details,
    })),
    nextBeforeId: rows.length > query.limit ? String(page[page.length - 1]!.id) : null,
  };
}
