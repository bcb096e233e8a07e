import type { RunEvent } from './events';

/** One `appendEvents` call of this process, settled: what it stored (none when it failed or all was there). */
export interface LocalAppend {
  tenantId: string;
  runId: string;
  /** Contiguous by seq, ascending, exactly as stored (redacted, hashed); committed. */
  events: RunEvent[];
}

type Listener = (append: LocalAppend) => void;

/**
 * Hands what this process appends to readers in the same process (the stream hub), so a run's
 * live events need not be read back from the table that was just written. One per database pool
 * (lib/event-log/state.ts): in the combined process the API and the worker share one. Other
 * processes' events still arrive only through NOTIFY and the table.
 */
export class LocalAppendFeed {
  private readonly listeners = new Set<Listener>();
  /** Appends in flight, by run id. */
  private readonly appending = new Map<string, number>();

  /** Returns the unsubscribe. */
  onAppend(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Whether this process has an append to the run in flight. Its NOTIFY can reach a reader before
   * the append's own reply does: a reader that waits for the append to settle gets the events handed over.
   */
  isAppending(runId: string): boolean {
    return (this.appending.get(runId) ?? 0) > 0;
  }

  /** Wraps one append: marks it in flight, then hands its outcome to the listeners, success or not. */
  async track<T extends { stored: RunEvent[] }>(target: { tenantId: string; runId: string }, append: () => Promise<T>): Promise<T> {
    this.appending.set(target.runId, (this.appending.get(target.runId) ?? 0) + 1);
    let stored: RunEvent[] = [];
    try {
      const appended = await append();
      stored = appended.stored;
      return appended;
    } finally {
      const left = (this.appending.get(target.runId) ?? 1) - 1;
      if (left > 0) this.appending.set(target.runId, left);
      else this.appending.delete(target.runId);
      for (const listener of this.listeners) {
        try {
          listener({ ...target, events: stored });
        } catch {
          // The append stands; a reader that failed here catches up from the table on the next notice.
        }
      }
    }
  }
}
