import type { Knex } from 'knex';
import { AppError, isUnavailableError } from '../../lib/errors';
import { readEventPage, withinByteBudget, type EventPage } from '../../lib/event-log';
import type { RunEvent } from '../../lib/events';
import type { LocalAppend, LocalAppendFeed } from '../../lib/local-appends';
import { streamLagSeconds, streamReadsTotal } from '../../lib/metrics';
import { findRun } from '../../lib/runs-store';
import type { ServerFrame } from '../../lib/stream';
import type { EventNotice } from '../event-notifier';
import { FollowedRun } from './followed-run';
import type { FrameSink } from './socket';

const pageSize = 500;
/** FLIGHTDECK_EVENTS_PAGE_MAX_BYTES's default (api/env.ts). */
const defaultPageMaxBytes = 1024 * 1024;

/**
 * Reads one notice's wake-up shares, by cursor: a run's subscribers mostly stand at the same seq, and
 * one query then serves them all instead of one query each (1,000 subscribers, 1,000 queries).
 */
type SharedReads = Map<number, Promise<EventPage>>;

interface RunSubscription {
  cursor: number;
  pumping: boolean;
  dirty: boolean;
  /** Past the stored backlog: what is sent now is live, and its lag is worth measuring. */
  live: boolean;
  /** A read failed and a retry is scheduled (one timer per subscription, however many reads failed). */
  retrying: boolean;
}

/** Told what a run subscription does, so another feed can follow alongside it (answer-feed.ts). */
export interface RunFeedObserver {
  subscribed(sink: FrameSink, tenantId: string, runId: string): void;
  /** The subscription has been sent every stored event (called after each catch-up; it may repeat). */
  caughtUp(sink: FrameSink, runId: string): void;
  sent(sink: FrameSink, runId: string, event: RunEvent): void;
  unsubscribed(sink: FrameSink, runId: string): void;
}

export interface RunFeedOptions {
  db: Knex;
  /** This process's appends to the pool, handed over as they commit. */
  localAppends: LocalAppendFeed;
  /** Run subscriptions one connection may hold. */
  maxSubscriptions?: number;
  /** The JSON one read of a run's events may carry (FLIGHTDECK_EVENTS_PAGE_MAX_BYTES): a catch-up goes out a page at a time. */
  pageMaxBytes?: number;
  observer?: RunFeedObserver;
}

/**
 * Follows single runs: a subscription replays stored events after `afterSeq`, then follows live
 * ones. It is a cursor over the table, advanced only by what was sent, and notices only say "look
 * again" — so ordering, no gap and no duplicate hold however notices arrive. "Look again" is
 * answered from memory when it can (followed-run.ts): this process's own appends are handed over
 * as they commit and sent at once; the table is read for the rest.
 */
export class RunFeed {
  /** Runs with at least one subscriber here, by run id. */
  private readonly followed = new Map<string, FollowedRun<FrameSink>>();
  private readonly subscriptions = new Map<FrameSink, Map<string, RunSubscription>>();
  private readonly encodedEvents = new WeakMap<RunEvent, Buffer>();
  private readonly stopLocalAppends: () => void;
  private readonly pageMaxBytes: number;

  constructor(private readonly options: RunFeedOptions) {
    this.pageMaxBytes = options.pageMaxBytes ?? defaultPageMaxBytes;
    this.stopLocalAppends = options.localAppends.onAppend((append) => this.onLocalAppend(append));
  }

  /** Acknowledges, then replays; a failed replay is retried in the background and also thrown, for the caller to report. */
  async subscribe(sink: FrameSink, runId: string, afterSeq: number): Promise<void> {
    const { tenantId } = sink.principal;
    const run = await findRun(this.options.db, tenantId, runId).catch((error: unknown) => {
      // Not subscribed: say which run, so the client can subscribe again with its afterSeq.
      if (isUnavailableError(error)) throw new AppError('unavailable', 'the database is unavailable: subscribe again shortly', { runId, afterSeq });
      throw error;
    });
    if (!run) throw new AppError('not_found', `run ${runId} not found`, { runId });
    const limit = this.options.maxSubscriptions ?? Infinity;
    let runs = this.subscriptions.get(sink);
    if (!runs) this.subscriptions.set(sink, (runs = new Map()));
    if (!runs.has(runId) && runs.size >= limit) {
      throw new AppError('validation_failed', `at most ${limit} run subscriptions per connection: unsubscribe from one first`, { limit, runId });
    }
    const subscription: RunSubscription = { cursor: afterSeq, pumping: false, dirty: false, live: false, retrying: false };
    runs.set(runId, subscription);
    this.follow(sink, run.tenantId, runId);
    this.options.observer?.subscribed(sink, run.tenantId, runId);
    sink.send({ type: 'subscribed', runId, afterSeq });
    await this.pump(sink, runId, subscription).catch((error: unknown) => {
      this.retryLater(sink, runId, subscription, error);
      throw error;
    });
  }

  unsubscribe(sink: FrameSink, runId: string): void {
    if (this.subscriptions.get(sink)?.delete(runId)) {
      this.unfollow(sink, runId);
      this.options.observer?.unsubscribed(sink, runId);
    }
  }

  /** The connection is gone: all its subscriptions end. */
  drop(sink: FrameSink): void {
    const runs = this.subscriptions.get(sink);
    if (!runs) return;
    this.subscriptions.delete(sink);
    for (const runId of runs.keys()) {
      this.unfollow(sink, runId);
      this.options.observer?.unsubscribed(sink, runId);
    }
  }

  onNotice(notice: EventNotice): void {
    const followed = this.followed.get(notice.runId);
    if (followed?.tenantId !== notice.tenantId) return;
    followed.heard(notice.seq);
    // A NOTIFY often overtakes the reply to this process's own append: while one is in flight,
    // its settling (onLocalAppend) wakes the subscribers, with its events in memory by then.
    if (this.options.localAppends.isAppending(notice.runId)) followed.noticeWaiting = true;
    else this.pumpSubscribers(followed, notice.runId);
  }

  /** Notices were lost while the listener was away: memory cannot say what is new until a read has. */
  resync(): void {
    for (const followed of this.followed.values()) followed.distrust();
    for (const [sink, runs] of this.subscriptions) {
      for (const [runId, subscription] of runs) this.pumpInBackground(sink, runId, subscription);
    }
  }

  close(): void {
    this.stopLocalAppends();
    this.followed.clear();
    this.subscriptions.clear();
  }

  private isCurrent(sink: FrameSink, runId: string, subscription: RunSubscription): boolean {
    return this.subscriptions.get(sink)?.get(runId) === subscription;
  }

  /**
   * Sends every stored event after the cursor, in order; re-runs if a notice came in meanwhile.
   * Only the first read may come from `sharedReads`: those reads started after the notice arrived,
   * so they see its event, while a re-run must see commits later than that.
   *
   * A read is a page of at most `pageMaxBytes`. The first goes out at once (live events, a short
   * backlog); each further page of a backlog waits until the socket has taken enough of what was
   * sent to hold it under its bound, so a client catching up on a large log is sent it at the pace
   * it reads instead of all at once, which would close it as lagging. One that stops reading
   * stalls its catch-up, holding no more than the bound (the heartbeat ends it).
   */
  private async pump(sink: FrameSink, runId: string, subscription: RunSubscription, sharedReads?: SharedReads): Promise<void> {
    if (subscription.pumping) {
      subscription.dirty = true;
      return;
    }
    subscription.pumping = true;
    let shared = sharedReads;
    try {
      do {
        subscription.dirty = false;
        let sent = await this.sendPage(sink, runId, subscription, shared);
        shared = undefined;
        while (sent === 'more') {
          sent = (await sink.withRoomFor(this.pageMaxBytes, () => this.sendPage(sink, runId, subscription))) ?? 'stopped';
        }
        if (sent === 'stopped') return;
        // Caught up with the table: from now on, events reach this client as they are appended.
        subscription.live = true;
        this.options.observer?.caughtUp(sink, runId);
      } while (subscription.dirty);
    } finally {
      subscription.pumping = false;
    }
  }

  /** Reads one page after the cursor and sends it; 'stopped' when the subscription or the connection ended meanwhile. */
  private async sendPage(sink: FrameSink, runId: string, subscription: RunSubscription, shared?: SharedReads): Promise<'more' | 'done' | 'stopped'> {
    const page = await this.readAfter(sink.principal.tenantId, runId, subscription.cursor, shared);
    if (!this.isCurrent(sink, runId, subscription)) return 'stopped'; // unsubscribed, replaced or gone meanwhile
    for (const event of page.events) {
      if (!sink.sendEncoded(this.eventFrame(runId, event), event.seq)) return 'stopped';
      this.options.observer?.sent(sink, runId, event);
      if (subscription.live) streamLagSeconds.observe((Date.now() - Date.parse(event.at)) / 1000);
      subscription.cursor = event.seq;
    }
    return page.more ? 'more' : 'done';
  }

  private readAfter(tenantId: string, runId: string, afterSeq: number, shared?: SharedReads): Promise<EventPage> {
    const followed = this.followed.get(runId);
    const remembered = followed?.tenantId === tenantId ? followed.eventsAfter(afterSeq) : null;
    if (remembered) {
      streamReadsTotal.inc({ source: 'memory' });
      const events = withinByteBudget(remembered, this.pageMaxBytes);
      return Promise.resolve({ events, more: events.length < remembered.length });
    }
    const read = async () => {
      streamReadsTotal.inc({ source: 'table' });
      const token = followed?.beginRead();
      const page = await readEventPage(this.options.db, { tenantId, runId }, { afterSeq, limit: pageSize, maxBytes: this.pageMaxBytes });
      if (followed && token !== undefined && this.followed.get(runId) === followed) followed.afterRead(token, page.events, !page.more);
      return page;
    };
    if (!shared) return read();
    let pending = shared.get(afterSeq);
    if (!pending) {
      pending = read();
      shared.set(afterSeq, pending);
    }
    return pending;
  }

  private pumpInBackground(sink: FrameSink, runId: string, subscription: RunSubscription, sharedReads?: SharedReads): void {
    this.pump(sink, runId, subscription, sharedReads).catch((error: unknown) => {
      this.retryLater(sink, runId, subscription, error);
      sink.sendError(error);
    });
  }

  /**
   * A failed read loses the wake-ups that came meanwhile (and a notice that set `dirty` during it),
   * and none may come again (the run may have ended): so any failure is retried, for as long as the
   * subscription stands, and the subscription catches up by itself. Every second while the
   * database is unavailable; every 5 s for anything else, which is logged as an error.
   */
  private retryLater(sink: FrameSink, runId: string, subscription: RunSubscription, error: unknown): void {
    if (subscription.retrying) return;
    subscription.retrying = true;
    setTimeout(
      () => {
        subscription.retrying = false;
        if (this.isCurrent(sink, runId, subscription)) this.pumpInBackground(sink, runId, subscription);
      },
      isUnavailableError(error) ? 1000 : 5000,
    ).unref();
  }

  /**
   * An append of this process settled. What it stored goes to the run's subscribers now, from
   * memory (the NOTIFY that follows finds nothing new), encoded here once, before anyone else
   * holds the events; a notice that waited for it is served too (from the table if not ours).
   */
  private onLocalAppend(append: LocalAppend): void {
    const followed = this.followed.get(append.runId);
    if (!followed || followed.tenantId !== append.tenantId) return;
    if (append.events.length === 0 && !followed.noticeWaiting) return;
    for (const event of append.events) this.eventFrame(append.runId, event);
    followed.add(append.events);
    followed.noticeWaiting = false;
    this.pumpSubscribers(followed, append.runId);
  }

  /** Wakes every subscription of the run; a read of the table this takes is shared by all of them. */
  private pumpSubscribers(followed: FollowedRun<FrameSink>, runId: string): void {
    if (this.followed.get(runId) !== followed) return;
    const sharedReads: SharedReads = new Map();
    for (const sink of followed.subscribers) {
      const subscription = this.subscriptions.get(sink)?.get(runId);
      if (subscription) this.pumpInBackground(sink, runId, subscription, sharedReads);
    }
  }

  private follow(sink: FrameSink, tenantId: string, runId: string): void {
    let followed = this.followed.get(runId);
    if (!followed || followed.tenantId !== tenantId) this.followed.set(runId, (followed = new FollowedRun(tenantId)));
    followed.subscribers.add(sink);
  }

  private unfollow(sink: FrameSink, runId: string): void {
    const followed = this.followed.get(runId);
    if (!followed) return;
    followed.subscribers.delete(sink);
    if (followed.subscribers.size === 0) this.followed.delete(runId);
  }

  /**
   * An event's frame, encoded once for every subscriber a shared read serves (keyed by the event
   * object, so it goes when the read's events do).
   */
  private eventFrame(runId: string, event: RunEvent): Buffer {
    let encoded = this.encodedEvents.get(event);
    if (!encoded) {
      encoded = Buffer.from(JSON.stringify({ type: 'event', runId, seq: event.seq, event } satisfies ServerFrame));
      this.encodedEvents.set(event, encoded);
    }
    return encoded;
  }
}
