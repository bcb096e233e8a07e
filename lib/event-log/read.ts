import type { Knex } from 'knex';
import type { RunEvent } from '../events';
import { toRunEvent, type EventRow } from './hash-chain';

/**
 * The longest prefix of `events` whose JSON adds up to at most `maxBytes`, but never empty: one
 * event larger than the budget is still served alone, so a reader always moves on.
 */
export function withinByteBudget<T>(events: T[], maxBytes: number): T[] {
  let used = 0;
  for (let index = 0; index < events.length; index += 1) {
    used += Buffer.byteLength(JSON.stringify(events[index]));
    if (used > maxBytes && index > 0) return events.slice(0, index);
  }
  return events;
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
