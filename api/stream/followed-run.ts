import type { RunEvent } from '../../lib/events';

/** Events a followed run keeps in memory: enough for live delivery, never the whole log. */
const windowSize = 32;

/**
 * What the stream hub knows of one run it has subscribers for, so live events come from memory
 * instead of a read of the table per notice: the latest events (from this process's appends and
 * from table reads) and `known`, the highest seq it knows is stored (from those and from notices).
 *
 * Memory answers only while `trusted`: every stored event past `known` is still to be announced by
 * a notice this hub will handle. That holds once a read that began after this record existed
 * reached the table's end (what it did not see committed later, so its notice comes later), and
 * stops holding when notices may have been lost (the listener reconnected: `distrust`). Each seq
 * is exact — a notice, an append or a read names a stored event — so `known` never runs ahead.
 */
export class FollowedRun<Subscriber> {
  readonly subscribers = new Set<Subscriber>();
  known = 0;
  /** A notice came while this process had an append to the run in flight; its settling serves it. */
  noticeWaiting = false;
  private trusted = false;
  /** Bumped by `distrust`: a read that began before it cannot restore trust. */
  private epoch = 0;
  /** Contiguous by seq, ascending. */
  private window: RunEvent[] = [];

  constructor(readonly tenantId: string) {}

  heard(seq: number): void {
    if (seq > this.known) this.known = seq;
  }

  /** Stored events (contiguous, ascending), from an append of this process or a read. */
  add(events: RunEvent[]): void {
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last) return;
    this.heard(last.seq);
    const window = this.window;
    const low = window[0]?.seq ?? Infinity;
    const high = window.at(-1)?.seq ?? -Infinity;
    if (first.seq <= high + 1 && last.seq >= low - 1) {
      this.window = [...events.filter((event) => event.seq < low), ...window, ...events.filter((event) => event.seq > high)];
    } else if (last.seq > high) {
      this.window = events.slice(); // a gap: keep the newer side
    }
    if (this.window.length > windowSize) this.window = this.window.slice(-windowSize);
  }

  /** Call before reading the table; pass the token to `afterRead`. */
  beginRead(): number {
    return this.epoch;
  }

  /** A read of the events after some seq came back; `complete` when it reached the table's end. */
  afterRead(token: number, events: RunEvent[], complete: boolean): void {
    this.add(events);
    // An empty read says nothing about where the table ends (the cursor may be past it).
    if (complete && events.length > 0 && token === this.epoch) this.trusted = true;
  }

  distrust(): void {
    this.trusted = false;
    this.epoch += 1;
  }

  /** The stored events after `afterSeq` from memory, or null when only the table can say. */
  eventsAfter(afterSeq: number): RunEvent[] | null {
    if (!this.trusted) return null;
    if (afterSeq >= this.known) return [];
    const first = this.window[0];
    const last = this.window.at(-1);
    if (!first || !last || first.seq > afterSeq + 1 || last.seq < this.known) return null;
    return this.window.slice(afterSeq + 1 - first.seq);
  }
}
