/**
 * The SQL of an event append, as plain `pg` queries: the append runs on every tool call, and
 * knex's query building and per-transaction objects were the worker's top CPU cost there.
 * Values go to `pg` exactly as knex passed them (JSON text for jsonb, arrays for text[], Dates).
 */
import type { ClientBase } from 'pg';
import type { RunRow } from './runs-store';

/** The run_events columns an append writes, in insert order. */
export interface EventInsertRow {
  tenant_id: string;
  run_id: string;
  seq: number;
  type: string;
  at: Date;
  /** JSON text or null (jsonb). */
  actor: string | null;
  /** JSON text (jsonb). */
  data: string;
  dedupe_key: string;
  prev_hash: string | null;
  hash: string;
  hash_key_id: string | null;
}

const eventColumns = ['tenant_id', 'run_id', 'seq', 'type', 'at', 'actor', 'data', 'dedupe_key', 'prev_hash', 'hash', 'hash_key_id'] as const;

/** Numbered placeholders, collected with their values. */
class Placeholders {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const quoted = (column: string) => `"${column.replace(/"/g, '""')}"`;

/** The locked row, the keys found stored, and `last_seq` as the statement's snapshot saw it. */
export type LockedRunRow = RunRow & { known_keys: string[]; snapshot_seq: number };

/**
 * Locks the run's projection row and, in the same round trip, finds which dedupe keys are stored.
 * The keys come from the statement's snapshot, taken before any wait for the lock; the locked row
 * is its newest version. So when `snapshot_seq` differs from the row's `last_seq`, another writer
 * committed in between and the keys must be read again (storedKeys). Named, so each pooled
 * connection parses and plans it once.
 */
export async function lockRunRow(client: ClientBase, runId: string, keys: string[]): Promise<LockedRunRow | undefined> {
  const result = await client.query<LockedRunRow>({
    name: 'flightdeck_lock_run',
    text: [
      'select runs.*,',
      '(select snapshot.last_seq from runs snapshot where snapshot.id = runs.id) as snapshot_seq,',
      'array(select dedupe_key from run_events where dedupe_key = any($1::text[])) as known_keys',
      'from runs where id = $2 for update',
    ].join(' '),
    values: [keys, runId],
  });
  return result.rows[0];
}

/** Queues creators of a run that has no row yet, until this transaction ends. */
export async function lockNewRun(client: ClientBase, runId: string): Promise<void> {
  await client.query({ name: 'flightdeck_lock_new_run', text: 'select pg_advisory_xact_lock(hashtextextended($1, 0))', values: [runId] });
}

/** Which of the keys are stored under any run. */
export async function storedKeys(client: ClientBase, keys: string[]): Promise<string[]> {
  const result = await client.query<{ dedupe_key: string }>({
    name: 'flightdeck_stored_keys',
    text: 'select dedupe_key from run_events where dedupe_key = any($1::text[])',
    values: [keys],
  });
  return result.rows.map((row) => row.dedupe_key);
}

/**
 * The events, the projection and the NOTIFY in one statement (one round trip): data-modifying
 * CTEs all run, and the foreign key from run_events to runs is checked at the statement's end, so
 * a run's first facts may create its projection row in the same statement. `projection` is the
 * whole row for a new run, or only the changed columns of an existing one.
 */
export async function writeAppend(
  client: ClientBase,
  write: {
    runId: string;
    rows: EventInsertRow[];
    projection: { insert: Record<string, unknown> } | { update: Record<string, unknown> };
    notify: { channel: string; payload: string };
  },
): Promise<void> {
  const params = new Placeholders();
  const appended = `insert into run_events (${eventColumns.join(', ')}) values ${eventValues(write.rows, params)}`;
  let projected: string;
  if ('insert' in write.projection) {
    const columns = Object.keys(write.projection.insert);
    const values = Object.values(write.projection.insert).map((value) => params.add(value));
    projected = `insert into runs (${columns.map(quoted).join(', ')}) values (${values.join(', ')})`;
  } else {
    projected = `update runs set ${projectionAssignments(write.runId, write.projection.update, params)} where id = ${params.add(write.runId)}`;
  }
  const notify = `select pg_notify(${params.add(write.notify.channel)}, ${params.add(write.notify.payload)})`;
  await client.query(`with appended as (${appended}), projected as (${projected}) ${notify}`, params.values);
}

/** SQL types of the run_events columns an append writes, for rows sent through a VALUES list. */
const eventColumnTypes: Record<(typeof eventColumns)[number], string> = {
  tenant_id: 'text',
  run_id: 'text',
  seq: 'integer',
  type: 'text',
  at: 'timestamptz',
  actor: 'jsonb',
  data: 'jsonb',
  dedupe_key: 'text',
  prev_hash: 'text',
  hash: 'text',
  hash_key_id: 'text',
};

/** The rows as a VALUES list, each value cast to its column's type (so it also serves a subquery). */
function eventValues(rows: EventInsertRow[], params: Placeholders): string {
  return rows.map((row) => `(${eventColumns.map((column) => `${params.add(row[column])}::${eventColumnTypes[column]}`).join(', ')})`).join(', ');
}

/** `column = $n, …` for a projection update; an append always changes `last_seq` at least. */
function projectionAssignments(runId: string, update: Record<string, unknown>, params: Placeholders): string {
  const assignments = Object.entries(update).map(([column, value]) => `${quoted(column)} = ${params.add(value)}`);
  if (assignments.length === 0) throw new Error(`run ${runId}: an append must change its projection (last_seq at least)`);
  return assignments.join(', ');
}

/**
 * The optimistic append: events, projection and NOTIFY in one autocommit statement, but only if
 * the run's row is still at `expected` (last_seq and last_hash, so the whole chain): the update
 * is the compare-and-set, and the insert and the NOTIFY happen only for the row it updated. An
 * UPDATE that waited for another writer's lock re-checks its condition on the row that writer
 * left. Resolves false when the row had moved on (nothing written); a fact already stored fails
 * the statement on the dedupe key's unique index (nothing written either).
 */
export async function writeAppendIfAt(
  client: ClientBase,
  write: {
    runId: string;
    expected: { lastSeq: number; lastHash: string | null };
    rows: EventInsertRow[];
    update: Record<string, unknown>;
    notify: { channel: string; payload: string };
  },
): Promise<boolean> {
  const params = new Placeholders();
  const assignments = projectionAssignments(write.runId, write.update, params);
  const runId = params.add(write.runId);
  const lastSeq = params.add(write.expected.lastSeq);
  const lastHash = params.add(write.expected.lastHash);
  const projected = `update runs set ${assignments} where id = ${runId} and last_seq = ${lastSeq} and last_hash is not distinct from ${lastHash}::text returning id`;
  const appended = `insert into run_events (${eventColumns.join(', ')}) select event.* from (values ${eventValues(write.rows, params)}) as event, projected`;
  const notify = `select pg_notify(${params.add(write.notify.channel)}, ${params.add(write.notify.payload)}) from projected`;
  const result = await client.query(`with projected as (${projected}), appended as (${appended}) ${notify}`, params.values);
  return result.rowCount === 1;
}

/**
 * A new run's first append in one autocommit statement: the projection row is inserted only if the
 * run has none, and the events and the NOTIFY only with it. The row's id is taken through the
 * advisory lock of lockNewRun, so this creator and the locked path's queue on each other (neither
 * fails on the primary key); an insert that meets a row another creator committed meanwhile does
 * nothing. Resolves false when the run existed (nothing written); a fact already stored elsewhere
 * fails the statement on the dedupe key's unique index (nothing written either).
 */
export async function writeNewRun(
  client: ClientBase,
  write: { runId: string; rows: EventInsertRow[]; insert: Record<string, unknown>; notify: { channel: string; payload: string } },
): Promise<boolean> {
  const params = new Placeholders();
  const columns = Object.keys(write.insert);
  const values = Object.entries(write.insert).map(([column, value]) =>
    column === 'id'
      ? `(select ${params.add(value)}::text from (select pg_advisory_xact_lock(hashtextextended(${params.add(value)}, 0))) as locked)`
      : params.add(value),
  );
  const projected = `insert into runs (${columns.map(quoted).join(', ')}) values (${values.join(', ')}) on conflict (id) do nothing returning id`;
  const appended = `insert into run_events (${eventColumns.join(', ')}) select event.* from (values ${eventValues(write.rows, params)}) as event, projected`;
  const notify = `select pg_notify(${params.add(write.notify.channel)}, ${params.add(write.notify.payload)}) from projected`;
  const result = await client.query(`with projected as (${projected}), appended as (${appended}) ${notify}`, params.values);
  return result.rowCount === 1;
}
