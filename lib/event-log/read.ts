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

/** A page of a run's events and whether more may follow it (it was cut by its byte budget or its count). */
export interface EventPage {
  events: RunEvent[];
  more: boolean;
}

/**
 * A run's events with seq > afterSeq, in order: at most `limit`, and no more than `maxBytes` of
 * JSON (`withinByteBudget`: at least one event). Postgres already leaves out the rows past the
 * budget, judged by their data's text (never smaller than its JSON here), so a log of large
 * events is not shipped to the API `limit` rows at a time only to be cut there.
 */
export async function readEventPage(
  db: Knex,
  target: { tenantId: string; runId: string },
  options: { afterSeq: number; limit: number; maxBytes: number },
): Promise<EventPage> {
  const { rows } = await db.raw<{ rows: Array<EventRow & { rows_read: string }> }>(
    `SELECT * FROM (
       SELECT page.*,
              sum(octet_length(page.data::text)) OVER (ORDER BY page.seq) - octet_length(page.data::text) AS bytes_before,
              count(*) OVER () AS rows_read
         FROM (SELECT * FROM run_events WHERE tenant_id = ? AND run_id = ? AND seq > ? ORDER BY seq LIMIT ?) page
     ) sized
     WHERE sized.bytes_before < ?
     ORDER BY sized.seq`,
    [target.tenantId, target.runId, options.afterSeq, options.limit, options.maxBytes],
  );
  const read = rows.map(toRunEvent);
  const events = withinByteBudget(read, options.maxBytes);
  const rowsRead = rows.length > 0 ? Number(rows[0]!.rows_read) : 0;
  return { events, more: events.length < rowsRead || rowsRead === options.limit };
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
