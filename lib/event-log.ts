import type { Knex } from 'knex';
import type { ClientBase } from 'pg';
import { lockNewRun, lockRunRow, storedKeys, writeAppend } from './append-statements';
import { projectApprovalEvents, touchesApprovals } from './approval-projection';
import { canonicalJson } from './canonical-json';
import { withPooledClient } from './db';
import type { Actor, EventType, NewEvent, RunEvent } from './events';
import { sha256Hex } from './ids';
import { eventAppendSeconds, eventsAppendedTotal } from './metrics';
import { redactSecrets, type RedactOptions } from './redact';
import { applyEvent, type ProjectedEvent, type RunProjection } from './run-projection';
import { rowToRun, runToRow } from './runs-store';

export const eventsChannel = 'run_events';

export interface EventRow {
  id: string;
  tenant_id: string;
  run_id: string;
  seq: number;
  type: EventType;
  at: Date;
  actor: Actor | null;
  data: Record<string, unknown>;
  dedupe_key: string;
  prev_hash: string | null;
  hash: string;
}

/** sha256 over the previous link and the canonical row: editing any stored event breaks the chain. */
export function eventHash(prevHash: string | null, event: Omit<EventRow, 'id' | 'hash' | 'prev_hash'>): string {
  return sha256Hex(
    (prevHash ?? '') +
      canonicalJson({
        tenantId: event.tenant_id,
        runId: event.run_id,
        seq: event.seq,
        type: event.type,
        at: event.at.toISOString(),
        actor: event.actor,
        data: event.data,
        dedupeKey: event.dedupe_key,
      }),
  );
}

/**
 * This process's extra secret keys. Built-in keys apply whatever is set here: configuration can
 * only add to them, so a process that never configures redaction still redacts.
 */
let processRedaction: RedactOptions = {};

/**
 * Sets the extra secret keys (FLIGHTDECK_REDACT_KEYS) for every append this process makes. Each
 * writer process calls it once at boot, where it parses its env: the list is per-process
 * configuration, so the writers (interceptor, recordEvent, API) need not carry it in every call.
 */
export function configureLogRedaction(options: RedactOptions): void {
  processRedaction = { extraKeys: [...(options.extraKeys ?? [])] };
}

/**
 * Appends facts to a run's log in one transaction: exactly once per dedupe key, with a gapless
 * per-run seq, the hash chain and the `runs` projection. The run row's lock serialises writers
 * of one run (API, several workers); a fact already stored is skipped, never rewritten.
 * Secrets are redacted from each fact's data first: this is the one door into the log, and the
 * hash must cover what is stored. Returns the events this call stored (none when all were there).
 */
export async function appendEvents(
  db: Knex,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
  options: { writer?: string } = {},
): Promise<RunEvent[]> {
  if (facts.length === 0) return [];
  const timer = eventAppendSeconds.startTimer({ writer: options.writer ?? 'unknown' });
  const stored = await appendInTransaction(db, target, facts);
  timer();
  for (const event of stored) eventsAppendedTotal.inc({ type: event.type });
  return stored;
}

/**
 * One transaction on a pooled connection, in plain `pg` (lib/append-statements.ts): begin, lock,
 * write, commit. On an error it rolls back; a connection that died on the way is dropped by the pool.
 */
async function appendInTransaction(db: Knex, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<RunEvent[]> {
  return withPooledClient(db, async (client) => {
    await client.query('begin');
    try {
      const stored = await appendLocked(db, client, target, facts);
      await client.query('commit');
      return stored;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}

async function appendLocked(db: Knex, client: ClientBase, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<RunEvent[]> {
  const locked = await lockRunAndFindKeys(client, target.runId, facts.map((fact) => fact.dedupeKey));
  const before = locked.run;
  const known = new Set(locked.knownKeys);
  const fresh = facts.filter((fact) => {
    if (known.has(fact.dedupeKey)) return false;
    known.add(fact.dedupeKey);
    return true;
  });
  if (fresh.length === 0) return [];
  if (before && before.tenantId !== target.tenantId) {
    throw new Error(`run ${target.runId} belongs to another tenant`);
  }

  const rows: EventRow[] = [];
  const at = new Date();
  let run = before;
  for (const fact of fresh) {
    const seq = (run?.lastSeq ?? 0) + 1;
    const prevHash = run?.lastHash ?? null;
    const unhashed = {
      tenant_id: target.tenantId,
      run_id: target.runId,
      seq,
      type: fact.type,
      at,
      actor: fact.actor ?? null,
      data: redactSecrets(fact.data, processRedaction),
      dedupe_key: fact.dedupeKey,
    };
    const row: EventRow = { id: '', ...unhashed, prev_hash: prevHash, hash: eventHash(prevHash, unhashed) };
    run = applyEvent(run, toProjected(row));
    rows.push(row);
  }
  if (!run) throw new Error(`run ${target.runId}: no projection after ${rows.length} events`);
  await writeAppend(client, {
    runId: target.runId,
    rows: rows.map(({ id: _id, actor, data, ...rest }) => ({ ...rest, actor: actor ? JSON.stringify(actor) : null, data: JSON.stringify(data) })),
    projection: before ? { update: changedColumns(runToRow(before), runToRow(run)) } : { insert: runToRow(run) },
    notify: { channel: eventsChannel, payload: JSON.stringify({ tenantId: target.tenantId, runId: target.runId, seq: run.lastSeq }) },
  });
  // NOTIFY is delivered at commit, so readers woken by it see the approvals rows too.
  const approvalEvents = rows.filter((row) => touchesApprovals(row.type)).map(toProjected);
  if (approvalEvents.length > 0) await projectApprovalEvents(db, approvalEvents, { connection: client });
  return rows.map(toRunEvent);
}

/** Only the columns an event changed: rewriting the unchanged spec (jsonb, often TOASTed) on every append costs. */
function changedColumns(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(after)) {
    if (!sameColumnValue(before[column], value)) changed[column] = value;
  }
  return changed;
}

function sameColumnValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/**
 * Locks the run's projection row for the rest of the transaction and finds which of the dedupe
 * keys are already stored, as of the lock. When the run does not exist yet, concurrent creators
 * queue on a transaction-scoped advisory lock keyed by the run id.
 */
async function lockRunAndFindKeys(client: ClientBase, runId: string, keys: string[]): Promise<{ run: RunProjection | null; knownKeys: string[] }> {
  let existing = await lockRunRow(client, runId, keys);
  if (!existing) {
    await lockNewRun(client, runId);
    existing = await lockRunRow(client, runId, keys);
  }
  if (existing) {
    // A writer that committed while this one waited for the lock stored keys the statement could not see.
    const knownKeys = existing.snapshot_seq === existing.last_seq ? existing.known_keys : await storedKeys(client, keys);
    return { run: rowToRun(existing), knownKeys };
  }
  // Keys are global: a key may be stored under another run (a caller's mistake, still never twice).
  return { run: null, knownKeys: await storedKeys(client, keys) };
}

export function toProjected(row: EventRow): ProjectedEvent {
  return {
    tenantId: row.tenant_id,
    runId: row.run_id,
    seq: row.seq,
    type: row.type,
    at: row.at,
    actor: row.actor,
    data: row.data,
    hash: row.hash,
  };
}

export function toRunEvent(row: EventRow): RunEvent {
  return {
    runId: row.run_id,
    seq: row.seq,
    type: row.type,
    at: row.at.toISOString(),
    actor: row.actor,
    data: row.data,
    hash: row.hash,
  };
}

/** A run's events with seq > afterSeq, in order. */
export async function readEvents(
  db: Knex,
  target: { tenantId: string; runId: string },
  options: { afterSeq: number; limit: number },
): Promise<RunEvent[]> {
  const rows = await db<EventRow>('run_events')
    .where({ tenant_id: target.tenantId, run_id: target.runId })
    .andWhere('seq', '>', options.afterSeq)
    .orderBy('seq', 'asc')
    .limit(options.limit);
  return rows.map(toRunEvent);
}

/** Stored events by dedupe key (any run): how writers learn what an earlier attempt already recorded. */
export async function findEventsByKeys(db: Knex, keys: string[]): Promise<Array<RunEvent & { dedupeKey: string }>> {
  if (keys.length === 0) return [];
  const rows = await db<EventRow>('run_events').whereIn('dedupe_key', keys);
  return rows.map((row) => ({ ...toRunEvent(row), dedupeKey: row.dedupe_key }));
}

/**
 * A run's stored rows in seq order, read a page at a time, for walks over a whole log (verify,
 * rebuild): a run may hold more events than one query should return.
 */
export async function* storedEventRows(db: Knex, runId: string, options: { pageSize?: number } = {}): AsyncGenerator<EventRow> {
  const pageSize = options.pageSize ?? 1000;
  for (let afterSeq = 0; ; ) {
    const page = await db<EventRow>('run_events').where({ run_id: runId }).andWhere('seq', '>', afterSeq).orderBy('seq', 'asc').limit(pageSize);
    yield* page;
    const last = page[page.length - 1];
    if (!last || page.length < pageSize) return;
    afterSeq = last.seq;
  }
}
