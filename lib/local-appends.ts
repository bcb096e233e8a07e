import type { Knex } from 'knex';
import type { RunEvent } from './events';

/** One `appendEvents` call of this process, settled: what it stored (none when it failed or all was there). */
export interface LocalAppend {
  tenantId: string;
  runId: string;
  /** Contiguous by seq, ascending, exactly as stored (redacted, hashed); committed. */
  events: RunEvent[];
}

type Listener = (append: LocalAppend) => void;

interface Feed {
  listeners: Set<Listener>;
  /** Appends in flight, by run id. */
  appending: Map<string, number>;
}
const feeds = new WeakMap<Knex, Feed>();

function feedOf(db: Knex): Feed {
  let feed = feeds.get(db);
  if (!feed) feeds.set(db, (feed = { listeners: new Set(), appending: new Map() }));
  return feed;
}

/**
 * Hands what this process appends to readers in the same process (the stream hub), so a run's
 * live events need not be read back from the table that was just written. Per Knex instance, that
 * is per database pool: in the combined process the API and the worker share one. Other processes'
 * events still arrive only through NOTIFY and the table. Returns the unsubscribe.
 */
export function onLocalAppend(db: Knex, listener: Listener): () => void {
  const { listeners } = feedOf(db);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Whether this process has an append to the run in flight. Its NOTIFY can reach a reader before
 * the append's own reply does: a reader that waits for the append to settle gets the events handed over.
 */
export function isAppending(db: Knex, runId: string): boolean {
  return (feeds.get(db)?.appending.get(runId) ?? 0) > 0;
}

/** Wraps one append: marks it in flight, then hands its outcome to the listeners, success or not. */
export async function trackLocalAppend<T extends { stored: RunEvent[] }>(
  db: Knex,
  target: { tenantId: string; runId: string },
  append: () => Promise<T>,
): Promise<T> {
  const feed = feedOf(db);
  feed.appending.set(target.runId, (feed.appending.get(target.runId) ?? 0) + 1);
  let stored: RunEvent[] = [];
  try {
    const appended = await append();
    stored = appended.stored;
    return appended;
  } finally {
    const left = (feed.appending.get(target.runId) ?? 1) - 1;
    if (left > 0) feed.appending.set(target.runId, left);
    else feed.appending.delete(target.runId);
    for (const listener of feed.listeners) {
      try {
        listener({ ...target, events: stored });
      } catch {
        // The append stands; a reader that failed here catches up from the table on the next notice.
      }
    }
  }
}
