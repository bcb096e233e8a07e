/**
 * What the verify-log tests seed and what an attacker with database rights does to it: switch the
 * append-only trigger off around an edit, or rewrite a run's chain with recomputed hashes.
 */
import type { Knex } from 'knex';
import { appendEvents, eventHash, type EventRow } from '../lib/event-log';
import { specHash } from '../lib/ids';
import type { NamedKey } from '../lib/key-list';
import { attemptData } from './event-facts';

const spec = { tags: [], plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: { n: 1 } }] } };

/**
 * A completed one-step run: 6 events, appended in three calls as the workflow and interceptor
 * would, through `db`, or through `writerOf(call)` (a pool, and so the log keys, per call).
 */
export async function seedRun(db: Knex, target: { tenantId: string; runId: string }, writerOf: (call: number) => Knex = () => db): Promise<void> {
  const key = (name: string) => `${target.runId}/${name}`;
  const created = { spec, specHash: specHash(spec), mode: 'plan' as const, name: null, tags: [], idempotencyKey: null };
  await appendEvents(writerOf(1), target, [
    { type: 'run.created', dedupeKey: key('run.created'), data: created },
    { type: 'run.started', dedupeKey: key('run.started'), data: {} },
    { type: 'step.started', dedupeKey: key('step/a/started'), data: { stepId: 'a', tool: 'builtin.echo' } },
  ]);
  await appendEvents(writerOf(2), target, [
    { type: 'tool.call.started', dedupeKey: key('a/1/started'), data: { ...attemptData('a', 1), args: { n: 1 } } },
    { type: 'tool.call.succeeded', dedupeKey: key('a/1/succeeded'), data: { ...attemptData('a', 1), durationMs: 1, output: { n: 1 } } },
  ]);
  await appendEvents(writerOf(3), target, [{ type: 'run.completed', dedupeKey: key('run.completed'), data: { output: { a: { n: 1 } } } }]);
}

/** What an attacker with superuser rights can do: switch the append-only trigger off around an edit. */
export async function behindTheTrigger(db: Knex, edit: (trx: Knex.Transaction) => Promise<unknown>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('ALTER TABLE run_events DISABLE TRIGGER run_events_no_update_delete');
    await edit(trx);
    await trx.raw('ALTER TABLE run_events ENABLE TRIGGER run_events_no_update_delete');
  });
}

/**
 * Rewrites a run's rows from `fromSeq` on, each edited by `edit`, and chains them again with
 * `key` (null: legacy sha256, which needs no secret), moving the `runs` head along: a forgery that
 * leaves every link consistent.
 */
export async function rewriteChain(
  db: Knex,
  runId: string,
  options: { key: NamedKey | null; fromSeq?: number; edit?: (row: EventRow) => Partial<EventRow> },
): Promise<void> {
  const fromSeq = options.fromSeq ?? 1;
  await behindTheTrigger(db, async (trx) => {
    const rows = await trx<EventRow>('run_events').where({ run_id: runId }).orderBy('seq');
    let prevHash = fromSeq > 1 ? (rows.find((row) => row.seq === fromSeq - 1)?.hash ?? null) : null;
    for (const stored of rows.filter((row) => row.seq >= fromSeq)) {
      const row = { ...stored, ...options.edit?.(stored), prev_hash: prevHash, hash_key_id: options.key?.id ?? null };
      const hash = eventHash(prevHash, row, options.key?.key ?? null);
      await trx('run_events')
        .where({ id: stored.id })
        .update({ data: JSON.stringify(row.data), prev_hash: prevHash, hash, hash_key_id: row.hash_key_id });
      prevHash = hash;
    }
    await trx('runs').where({ id: runId }).update({ last_hash: prevHash });
  });
}
