import type { Knex } from 'knex';
import type { ClientBase } from 'pg';
import { lockNewRun, lockRunRow, storedKeys, writeAppend, writeAppendIfAt, writeNewRun, type EventInsertRow } from './append-statements';
import { projectApprovalEvents, touchesApprovals } from './approval-projection';
import { canonicalJson } from './canonical-json';
import { withPooledClient } from './db';
import type { Actor, EventType, NewEvent, RunEvent } from './events';
import { sha256Hex } from './ids';
import { trackLocalAppend } from './local-appends';
import { eventAppendSeconds, eventAppendsTotal, eventsAppendedTotal } from './metrics';
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
 * hash must cover what is stored. Returns the events this call stored (none when all were there),
 * which also go to this process's readers (lib/local-appends.ts) once committed.
 */
export async function appendEvents(
  db: Knex,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
  options: { writer?: string } = {},
): Promise<RunEvent[]> {
  return (await appendEventsWithRun(db, target, facts, options)).stored;
}

/**
 * appendEvents, also returning the run's projection as the append left it (or found it, when every
 * fact was stored already): what the API answers a POST with, without reading the row back.
 */
export async function appendEventsWithRun(
  db: Knex,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
  options: { writer?: string } = {},
): Promise<Appended> {
  if (facts.length === 0) return { stored: [], run: null };
  const timer = eventAppendSeconds.startTimer({ writer: options.writer ?? 'unknown' });
  const appended = await trackLocalAppend(db, target, () => appendOnPooledClient(db, target, facts));
  timer();
  for (const event of appended.stored) eventsAppendedTotal.inc({ type: event.type });
  return appended;
}

/** What one append stored, and the run's projection after it (null only for a run that has none). */
export interface Appended {
  stored: RunEvent[];
  run: RunProjection | null;
}

/**
 * Each run's projection as this process last wrote it (or found it under lock), per database, and
 * dedupe keys it knows are stored for the run: what an optimistic append expects and may skip.
 * Most appends to a run come from the process that made the one before (a run's steps on its
 * worker; in the combined process, the API's `run.created` too, which the workflow's first append
 * repeats). Bounded; a run that ended or was not seen lately takes the locked path. Stored facts
 * are never removed, so a key once known stays true.
 */
interface KnownRun {
  run: RunProjection;
  storedKeys: Set<string>;
}
const lastKnownRuns = new WeakMap<Knex, Map<string, KnownRun>>();
const knownRunsLimit = 1_000;
const knownKeysLimit = 500;

function knownRunsOf(db: Knex): Map<string, KnownRun> {
  let known = lastKnownRuns.get(db);
  if (!known) lastKnownRuns.set(db, (known = new Map()));
  return known;
}

function remember(known: Map<string, KnownRun>, run: RunProjection, storedKeys: Iterable<string>): void {
  const previous = known.get(run.id);
  known.delete(run.id);
  if (run.completedAt !== null) return;
  const keys = previous && previous.storedKeys.size < knownKeysLimit ? previous.storedKeys : new Set<string>();
  for (const key of storedKeys) keys.add(key);
  known.set(run.id, { run, storedKeys: keys });
  if (known.size > knownRunsLimit) known.delete(known.keys().next().value!);
}

/**
 * On one pooled connection, in plain `pg` (lib/append-statements.ts): first an optimistic append
 * (one statement, one round trip) — against the row this process last saw, or, for a run's first
 * facts (`run.created` leads), as the insert of its row; when the row moved on, or existed, or a
 * fact is already stored, or nothing was tried, the locked transaction (begin, lock, write,
 * commit), which finds stored keys and the current row. A connection that died is dropped by the pool.
 */
async function appendOnPooledClient(db: Knex, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<Appended> {
  const known = knownRunsOf(db);
  return withPooledClient(db, async (client) => {
    const optimistic = await appendOptimistically(client, known, target, facts);
    if (optimistic !== 'missed' && optimistic !== 'untried') {
      eventAppendsTotal.inc({ path: optimistic.path });
      return optimistic;
    }
    eventAppendsTotal.inc({ path: optimistic === 'missed' ? 'locked_after_miss' : 'locked' });
    return appendInTransaction(db, client, known, target, facts);
  });
}

/**
 * The optimistic append, or nothing to append (`known`: every fact is stored, as this process
 * knows); `missed` when it wrote nothing and the locked path must decide, `untried` when there
 * was nothing to try it against.
 */
async function appendOptimistically(
  client: ClientBase,
  known: Map<string, KnownRun>,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<(Appended & { path: 'one_statement' | 'new_run' | 'known' }) | 'missed' | 'untried'> {
  // Approval facts also write the approvals projection, in the locked transaction.
  if (facts.some((fact) => touchesApprovals(fact.type))) return 'untried';
  const entry = known.get(target.runId);
  if (!entry) return facts[0]?.type === 'run.created' ? createRun(client, known, target, facts) : 'untried';
  if (entry.run.tenantId !== target.tenantId) return 'untried';
  const before = entry.run;
  const fresh = uniqueByKey(facts).filter((fact) => !entry.storedKeys.has(fact.dedupeKey));
  if (fresh.length === 0) return { path: 'known', stored: [], run: before };
  const { rows, run } = chainFacts(before, target, fresh);
  const written = await writeOrMiss(() =>
    writeAppendIfAt(client, {
      runId: target.runId,
      expected: { lastSeq: before.lastSeq, lastHash: before.lastHash },
      rows: rows.map(toInsertRow),
      update: changedColumns(runToRow(before), runToRow(run)),
      notify: notificationOf(run),
    }),
  );
  if (!written) {
    known.delete(target.runId);
    return 'missed';
  }
  remember(
    known,
    run,
    fresh.map((fact) => fact.dedupeKey),
  );
  return { path: 'one_statement', stored: rows.map(toRunEvent), run };
}

/** A run's first facts as the insert of its row (writeNewRun); `missed` when the run already had one. */
async function createRun(
  client: ClientBase,
  known: Map<string, KnownRun>,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<(Appended & { path: 'new_run' }) | 'missed'> {
  const fresh = uniqueByKey(facts);
  const { rows, run } = chainFacts(null, target, fresh);
  const written = await writeOrMiss(() =>
    writeNewRun(client, { runId: target.runId, rows: rows.map(toInsertRow), insert: runToRow(run), notify: notificationOf(run) }),
  );
  if (!written) return 'missed';
  remember(
    known,
    run,
    fresh.map((fact) => fact.dedupeKey),
  );
  return { path: 'new_run', stored: rows.map(toRunEvent), run };
}

/** An optimistic statement's outcome; a fact already stored (the unique index refused it) is a miss too. */
async function writeOrMiss(write: () => Promise<boolean>): Promise<boolean> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '23505';

async function appendInTransaction(
  db: Knex,
  client: ClientBase,
  known: Map<string, KnownRun>,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<Appended> {
  await client.query('begin');
  try {
    const appended = await appendLocked(db, client, target, facts);
    await client.query('commit');
    // Every fact of the call is stored now: found stored under the lock, or written by it.
    if (appended.run)
      remember(
        known,
        appended.run,
        facts.map((fact) => fact.dedupeKey),
      );
    return appended;
  } catch (error) {
    known.delete(target.runId);
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

async function appendLocked(db: Knex, client: ClientBase, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<Appended> {
  const locked = await lockRunAndFindKeys(
    client,
    target.runId,
    facts.map((fact) => fact.dedupeKey),
  );
  const before = locked.run;
  if (before && before.tenantId !== target.tenantId) {
    throw new Error(`run ${target.runId} belongs to another tenant`);
  }
  const known = new Set(locked.knownKeys);
  const fresh = uniqueByKey(facts).filter((fact) => !known.has(fact.dedupeKey));
  if (fresh.length === 0) return { stored: [], run: before };

  const { rows, run } = chainFacts(before, target, fresh);
  await writeAppend(client, {
    runId: target.runId,
    rows: rows.map(toInsertRow),
    projection: before ? { update: changedColumns(runToRow(before), runToRow(run)) } : { insert: runToRow(run) },
    notify: notificationOf(run),
  });
  // NOTIFY is delivered at commit, so readers woken by it see the approvals rows too.
  const approvalEvents = rows.filter((row) => touchesApprovals(row.type)).map(toProjected);
  if (approvalEvents.length > 0) await projectApprovalEvents(db, approvalEvents, { connection: client });
  return { stored: rows.map(toRunEvent), run };
}

/** The first fact of each key: a call may name one fact twice (run.created from two sources). */
function uniqueByKey(facts: NewEvent[]): NewEvent[] {
  const seen = new Set<string>();
  return facts.filter((fact) => {
    if (seen.has(fact.dedupeKey)) return false;
    seen.add(fact.dedupeKey);
    return true;
  });
}

/** The facts as the next rows of the run's chain (seq, prev_hash, hash), and the projection after them. */
function chainFacts(before: RunProjection | null, target: { tenantId: string; runId: string }, facts: NewEvent[]): { rows: EventRow[]; run: RunProjection } {
  const rows: EventRow[] = [];
  const at = new Date();
  let run = before;
  for (const fact of facts) {
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
  return { rows, run };
}

const toInsertRow = ({ id: _id, actor, data, ...rest }: EventRow): EventInsertRow => ({
  ...rest,
  actor: actor ? JSON.stringify(actor) : null,
  data: JSON.stringify(data),
});

const notificationOf = (run: RunProjection) => ({
  channel: eventsChannel,
  payload: JSON.stringify({ tenantId: run.tenantId, runId: run.id, seq: run.lastSeq }),
});

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
export async function readEvents(db: Knex, target: { tenantId: string; runId: string }, options: { afterSeq: number; limit: number }): Promise<RunEvent[]> {
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
  for (let afterSeq = 0; ;) {
    const page = await db<EventRow>('run_events').where({ run_id: runId }).andWhere('seq', '>', afterSeq).orderBy('seq', 'asc').limit(pageSize);
    yield* page;
    const last = page[page.length - 1];
    if (!last || page.length < pageSize) return;
    afterSeq = last.seq;
  }
}
