import type { Knex } from 'knex';
import type { ClientBase } from 'pg';
import { lockNewRun, lockRunRow, storedKeys, writeAppend, writeAppendIfAt, writeNewRun, type EventInsertRow } from '../append-statements';
import { projectApprovalEvents, touchesApprovals } from '../approval-projection';
import { withPooledClient } from '../db';
import { problemsWithEventData } from '../event-schemas';
import type { NewEvent, RunEvent } from '../events';
import { countModelCall, eventAppendSeconds, eventAppendsTotal, eventsAppendedTotal } from '../metrics';
import { usageOf } from '../model-usage';
import type { RunProjection } from '../run-projection';
import { rowToRun, runToRow } from '../runs-store';
import type { KeyedWrite } from './coalesce';
import { chainFacts, toProjected, toRunEvent, type ChainOptions, type EventRow } from './hash-chain';
import { eventLogOf, type EventLogState } from './state';

export const eventsChannel = 'run_events';

/**
 * Appends facts to a run's log in one transaction (its own, or the caller's when `db` is a knex
 * transaction, which then commits or rolls back with the caller): exactly once per dedupe key, with a gapless
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
 * Every append enters here, appendEvents included.
 */
export async function appendEventsWithRun(
  db: Knex,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
  options: { writer?: string } = {},
): Promise<Appended> {
  if (facts.length === 0) return { stored: [], run: null };
  const timer = eventAppendSeconds.startTimer({ writer: options.writer ?? 'unknown' });
  const state = eventLogOf(db);
  if (state.validateEvents) assertFactsFitSchemas(target.runId, facts);
  const { stored, run } = db.isTransaction
    ? await appendInCallerTransaction(db, state, target, facts)
    : await state.localAppends.track(target, () => state.coalescer.append(target, facts, (merged) => appendOnPooledClient(db, state, target, merged)));
  timer();
  for (const event of stored) {
    eventsAppendedTotal.inc({ type: event.type });
    if (event.type === 'model.called') countModelCall(target.tenantId, usageFactOf(event.data));
  }
  return { stored, run };
}

/** A stored `model.called`'s usage in today's shape (an older writer's event may hold the older one). */
function usageFactOf(data: unknown): Parameters<typeof countModelCall>[1] {
  const recorded = data as { usage: Parameters<typeof usageOf>[0]; costUsd?: number | null };
  return { usage: usageOf(recorded.usage), costUsd: recorded.costUsd };
}

/** Refuses the whole append when a fact's data is not its type's shape: nothing of it is stored. */
function assertFactsFitSchemas(runId: string, facts: NewEvent[]): void {
  for (const fact of facts) {
    const problems = problemsWithEventData(fact.type, fact.data);
    if (!problems) continue;
    const where = problems.map((issue) => `${['data', ...issue.path].join('.')}: ${issue.message}`).join('; ');
    throw new Error(`run ${runId}: ${fact.type} (${fact.dedupeKey}) does not fit its schema in lib/event-schemas.ts: ${where}`);
  }
}

/** What one append stored, and the run's projection after it (null only for a run that has none). */
export interface Appended {
  stored: RunEvent[];
  run: RunProjection | null;
}

const storedOf = (rows: EventRow[]): Pick<KeyedWrite, 'stored' | 'storedKeys'> => ({
  stored: rows.map(toRunEvent),
  storedKeys: rows.map((row) => row.dedupe_key),
});

/**
 * On one pooled connection, in plain `pg` (lib/append-statements.ts): first an optimistic append
 * (one statement, one round trip) — against the row this process last saw, or, for a run's first
 * facts (`run.created` leads), as the insert of its row; when the row moved on, or existed, or a
 * fact is already stored, or nothing was tried, the locked transaction (begin, lock, write,
 * commit), which finds stored keys and the current row. A connection that died is dropped by the pool.
 */
async function appendOnPooledClient(db: Knex, state: EventLogState, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<KeyedWrite> {
  return withPooledClient(db, async (client) => {
    const optimistic = await appendOptimistically(client, state, target, facts);
    if (optimistic !== 'missed' && optimistic !== 'untried') {
      eventAppendsTotal.inc({ path: optimistic.path });
      return optimistic;
    }
    eventAppendsTotal.inc({ path: optimistic === 'missed' ? 'locked_after_miss' : 'locked' });
    return appendInTransaction(db, client, state, target, facts);
  });
}

/**
 * The optimistic append, or nothing to append (`known`: every fact is stored, as this process
 * knows); `missed` when it wrote nothing and the locked path must decide, `untried` when there
 * was nothing to try it against.
 */
async function appendOptimistically(
  client: ClientBase,
  state: EventLogState,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<(KeyedWrite & { path: 'one_statement' | 'new_run' | 'known' }) | 'missed' | 'untried'> {
  // Approval facts also write the approvals projection, in the locked transaction.
  if (facts.some((fact) => touchesApprovals(fact.type))) return 'untried';
  const entry = state.knownRuns.get(target.runId);
  if (!entry) return facts[0]?.type === 'run.created' ? createRun(client, state, target, facts) : 'untried';
  if (entry.run.tenantId !== target.tenantId) return 'untried';
  const before = entry.run;
  const fresh = uniqueByKey(facts).filter((fact) => !entry.storedKeys.has(fact.dedupeKey));
  if (fresh.length === 0) return { path: 'known', stored: [], storedKeys: [], run: before };
  const { rows, run } = chainFacts(before, target, fresh, chainOptionsOf(state));
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
    state.knownRuns.forget(target.runId);
    return 'missed';
  }
  state.knownRuns.remember(
    run,
    fresh.map((fact) => fact.dedupeKey),
  );
  return { path: 'one_statement', ...storedOf(rows), run };
}

/** A run's first facts as the insert of its row (writeNewRun); `missed` when the run already had one. */
async function createRun(
  client: ClientBase,
  state: EventLogState,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<(KeyedWrite & { path: 'new_run' }) | 'missed'> {
  const fresh = uniqueByKey(facts);
  const { rows, run } = chainFacts(null, target, fresh, chainOptionsOf(state));
  const written = await writeOrMiss(() =>
    writeNewRun(client, { runId: target.runId, rows: rows.map(toInsertRow), insert: runToRow(run), notify: notificationOf(run) }),
  );
  if (!written) return 'missed';
  state.knownRuns.remember(
    run,
    fresh.map((fact) => fact.dedupeKey),
  );
  return { path: 'new_run', ...storedOf(rows), run };
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
  state: EventLogState,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<KeyedWrite> {
  await client.query('begin');
  try {
    const appended = await appendLocked({ db, client, chain: chainOptionsOf(state) }, target, facts);
    await client.query('commit');
    // Every fact of the call is stored now: found stored under the lock, or written by it.
    if (appended.run)
      state.knownRuns.remember(
        appended.run,
        facts.map((fact) => fact.dedupeKey),
      );
    return appended;
  } catch (error) {
    state.knownRuns.forget(target.runId);
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/**
 * An append that joins the caller's transaction (`db` is a knex transaction): the locked path on
 * the transaction's own connection, inside a savepoint, so a failed append undoes only itself and
 * nothing commits before the caller does. The run row stays locked until the caller ends. What it
 * stored is neither remembered nor handed to this process's readers: the caller may still roll
 * back; readers learn of it from the NOTIFY, which Postgres delivers at commit.
 */
async function appendInCallerTransaction(db: Knex, state: EventLogState, target: { tenantId: string; runId: string }, facts: NewEvent[]): Promise<KeyedWrite> {
  const client = (await db.client.acquireConnection()) as ClientBase;
  state.knownRuns.forget(target.runId);
  eventAppendsTotal.inc({ path: 'in_transaction' });
  await client.query('savepoint flightdeck_append');
  try {
    const appended = await appendLocked({ db, client, chain: chainOptionsOf(state) }, target, facts);
    await client.query('release savepoint flightdeck_append');
    return appended;
  } catch (error) {
    await client.query('rollback to savepoint flightdeck_append').catch(() => undefined);
    throw error;
  } finally {
    await db.client.releaseConnection(client);
  }
}

/** Under the run row's lock (or the new run's advisory lock), inside the caller's transaction. */
async function appendLocked(
  { db, client, chain }: { db: Knex; client: ClientBase; chain: ChainOptions },
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
): Promise<KeyedWrite> {
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
  if (fresh.length === 0) return { stored: [], storedKeys: [], run: before };

  const { rows, run } = chainFacts(before, target, fresh, chain);
  await writeAppend(client, {
    runId: target.runId,
    rows: rows.map(toInsertRow),
    projection: before ? { update: changedColumns(runToRow(before), runToRow(run)) } : { insert: runToRow(run) },
    notify: notificationOf(run),
  });
  // NOTIFY is delivered at commit, so readers woken by it see the approvals rows too.
  const approvalEvents = rows.filter((row) => touchesApprovals(row.type)).map(toProjected);
  if (approvalEvents.length > 0) await projectApprovalEvents(db, approvalEvents, { connection: client });
  return { ...storedOf(rows), run };
}

/** This process's redaction, and its current log key (the first of FLIGHTDECK_LOG_KEYS), which signs what it appends. */
const chainOptionsOf = (state: EventLogState): ChainOptions => ({ redaction: state.redaction, signingKey: state.logKeys[0] ?? null });

/** The first fact of each key: a call may name one fact twice (run.created from two sources). */
function uniqueByKey(facts: NewEvent[]): NewEvent[] {
  const seen = new Set<string>();
  return facts.filter((fact) => {
    if (seen.has(fact.dedupeKey)) return false;
    seen.add(fact.dedupeKey);
    return true;
  });
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
