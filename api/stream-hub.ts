import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AppError, isUnavailableError } from '../lib/errors';
import { eventLogOf, readEvents } from '../lib/event-log';
import type { LocalAppend } from '../lib/local-appends';
import type { ApprovalRow } from '../lib/approval-projection';
import type { RunEvent, RunStatus } from '../lib/events';
import { findRun } from '../lib/runs-store';
import { streamLagSeconds, streamReadsTotal, wsClients } from '../lib/metrics';
import { closeCodes, type ClientFrame, type ServerFrame } from '../lib/stream';
import { tokenOf, type Authenticator, type Principal } from './auth';
import type { EventNotice, EventNotifier } from './event-notifier';
import { FollowedRun } from './followed-run';
import { presentApproval } from '../domains/approvals/approvals';
import { presentRun, type PresenterContext, type RunView } from './presenters';
import { isAllowedOrigin } from './origin-check';
import { parseClientFrame, refusedRunSubscribe } from './parse-client-frame';
import { rateLimitKey, rateLimitedError, type RateLimiter } from './rate-limiter';

export const streamPath = '/v1/stream';
const pageSize = 500;
const heartbeatMs = 30_000;

export interface StreamHubOptions {
  db: Knex;
  notifier: EventNotifier;
  authenticator: Authenticator;
  presenter: PresenterContext;
  log: Logger;
  /** A client whose unsent bytes pass this is closed with `closeCodes.lagging` and resumes with afterSeq. */
  maxBufferedBytes?: number;
  /** Run subscriptions one connection may hold. */
  maxSubscriptions?: number;
  /** Upgrades and frames draw from the key's budget, as REST calls do. */
  rateLimiter?: RateLimiter;
  /** Browser origins that may open a stream (a request without Origin is not a browser's). */
  allowedOrigins?: ReadonlySet<string>;
}

/**
 * Reads one notice's wake-up shares, by cursor: a run's subscribers mostly stand at the same seq, and
 * one query then serves them all instead of one query each (1,000 subscribers, 1,000 queries).
 */
type SharedReads = Map<number, Promise<RunEvent[]>>;

interface RunSubscription {
  cursor: number;
  pumping: boolean;
  dirty: boolean;
  /** Past the stored backlog: what is sent now is live, and its lag is worth measuring. */
  live: boolean;
  /** A read failed and a retry is scheduled (one timer per subscription, however many reads failed). */
  retrying: boolean;
}

interface StreamClient {
  socket: WebSocket;
  principal: Principal;
  runs: Map<string, RunSubscription>;
  runsFilter: { status?: RunStatus[]; tags?: string[] } | null;
  alive: boolean;
  /** Frames are handled one at a time, so replies come back in the order frames were sent. */
  inbox: Promise<void>;
  /** The lastSeq of each run last sent as a list update: never send a run older than what the client has. */
  listedVersions: Map<string, number>;
  /** Subscribed to the approvals inbox; the updated_seq last sent per approval. */
  approvalsInbox: Map<string, number> | null;
}

const maxListedVersions = 10_000;
/**
 * The ws stream: per-run subscriptions replay stored events after `afterSeq`, then follow live
 * ones. A subscription is a cursor over the table, advanced only by what was sent, and notices
 * only say "look again" — so ordering, no gap and no duplicate hold however notices arrive.
 * "Look again" is answered from memory when it can (api/followed-run.ts): this process's own
 * appends are handed over as they commit and sent at once; the table is read for the rest.
 */
export class StreamHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<StreamClient>();
  private readonly maxBufferedBytes: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly encodedEvents = new WeakMap<RunEvent, Buffer>();
  /** Runs with at least one subscriber here, by run id. */
  private readonly followed = new Map<string, FollowedRun<StreamClient>>();
  private readonly stopLocalAppends: () => void;

  constructor(private readonly options: StreamHubOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    options.notifier.on('notice', (notice) => this.onNotice(notice));
    options.notifier.on('resync', () => this.resyncAll());
    this.stopLocalAppends = eventLogOf(options.db).localAppends.onAppend((append) => this.onLocalAppend(append));
    this.heartbeat = setInterval(() => this.checkAlive(), heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Bytes the API holds for its ws sockets, written and not yet taken by the kernel: every open
   * socket's, including one already closed for lagging and waiting for its peer's close frame.
   */
  get bufferedBytes(): number {
    let total = 0;
    for (const socket of this.wss.clients) total += socket.bufferedAmount;
    return total;
  }

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== streamPath) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      const { allowedOrigins, rateLimiter } = this.options;
      if (allowedOrigins && !isAllowedOrigin(allowedOrigins, request.headers.origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      const upgrade = async () => {
        const principal = await this.options.authenticator.authenticate(tokenOf(request, { allowQuery: true }));
        const waitMs = (await rateLimiter?.take(rateLimitKey(principal))) ?? 0;
        if (waitMs > 0) {
          socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${Math.max(1, Math.ceil(waitMs / 1000))}\r\nConnection: close\r\n\r\n`);
          return;
        }
        this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, principal));
      };
      upgrade().catch((error: unknown) => {
        const status = error instanceof AppError ? error.status : 503;
        const reason = status === 401 ? 'Unauthorized' : 'Service Unavailable';
        socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n\r\n`);
      });
    });
  }

  private accept(socket: WebSocket, principal: Principal): void {
    const client: StreamClient = {
      socket,
      principal,
      runs: new Map(),
      runsFilter: null,
      alive: true,
      inbox: Promise.resolve(),
      listedVersions: new Map(),
      approvalsInbox: null,
    };
    this.clients.add(client);
    wsClients.set(this.clients.size);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('message', (data) => {
      client.alive = true;
      client.inbox = client.inbox.then(() => this.onMessage(client, data).catch((error: unknown) => this.sendError(client, error)));
    });
    const forget = () => this.drop(client);
    socket.on('close', forget);
    socket.on('error', (error) => {
      this.options.log.debug({ err: error }, 'ws client error');
      forget();
    });
  }

  private async onMessage(client: StreamClient, data: RawData): Promise<void> {
    const waitMs = (await this.options.rateLimiter?.take(rateLimitKey(client.principal))) ?? 0;
    // A refused run subscribe names its run, as one refused for an unavailable database does: a
    // client that cannot tell which subscribe failed cannot send it again, and never follows that run.
    if (waitMs > 0) throw rateLimitedError(waitMs, refusedRunSubscribe(data));
    await this.handle(client, parseClientFrame(data));
  }

  private async handle(client: StreamClient, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        this.send(client, { type: 'pong' });
        return;
      case 'unsubscribe':
        if (frame.runId && client.runs.delete(frame.runId)) this.unfollow(client, frame.runId);
        if (frame.runs) {
          client.runsFilter = null;
          client.listedVersions.clear();
        }
        if (frame.approvals) client.approvalsInbox = null;
        return;
      case 'subscribe':
        if (frame.approvals) {
          client.approvalsInbox = new Map();
          this.send(client, { type: 'subscribed', approvals: true });
          return;
        }
        if (frame.runs) {
          client.runsFilter = frame.runs;
          this.send(client, { type: 'subscribed', runs: true });
          return;
        }
        if (frame.runId) await this.subscribeRun(client, frame.runId, frame.afterSeq ?? 0);
    }
  }

  private async subscribeRun(client: StreamClient, runId: string, afterSeq: number): Promise<void> {
    const run = await findRun(this.options.db, client.principal.tenantId, runId).catch((error: unknown) => {
      // Not subscribed: say which run, so the client can subscribe again with its afterSeq.
      if (isUnavailableError(error)) throw new AppError('unavailable', 'the database is unavailable: subscribe again shortly', { runId, afterSeq });
      throw error;
    });
    if (!run) throw new AppError('not_found', `run ${runId} not found`, { runId });
    const limit = this.options.maxSubscriptions ?? Infinity;
    if (!client.runs.has(runId) && client.runs.size >= limit) {
      throw new AppError('validation_failed', `at most ${limit} run subscriptions per connection: unsubscribe from one first`, { limit, runId });
    }
    const subscription: RunSubscription = { cursor: afterSeq, pumping: false, dirty: false, live: false, retrying: false };
    client.runs.set(runId, subscription);
    this.follow(client, run.tenantId, runId);
    this.send(client, { type: 'subscribed', runId, afterSeq });
    await this.pump(client, runId, subscription).catch((error: unknown) => {
      this.retryLater(client, runId, subscription, error);
      throw error;
    });
  }

  /**
   * Sends every stored event after the cursor, in order; re-runs if a notice came in meanwhile.
   * Only the first read may come from `sharedReads`: those reads started after the notice arrived,
   * so they see its event, while a re-run must see commits later than that.
   */
  private async pump(client: StreamClient, runId: string, subscription: RunSubscription, sharedReads?: SharedReads): Promise<void> {
    if (subscription.pumping) {
      subscription.dirty = true;
      return;
    }
    subscription.pumping = true;
    let shared = sharedReads;
    try {
      do {
        subscription.dirty = false;
        for (;;) {
          const events = await this.readAfter(client.principal.tenantId, runId, subscription.cursor, shared);
          shared = undefined;
          if (client.runs.get(runId) !== subscription) return; // unsubscribed or replaced meanwhile
          for (const event of events) {
            if (!this.sendEncoded(client, this.eventFrame(runId, event))) return;
            if (subscription.live) streamLagSeconds.observe((Date.now() - Date.parse(event.at)) / 1000);
            subscription.cursor = event.seq;
          }
          if (events.length < pageSize) break;
        }
        // Caught up with the table: from now on, events reach this client as they are appended.
        subscription.live = true;
      } while (subscription.dirty);
    } finally {
      subscription.pumping = false;
    }
  }

  private readAfter(tenantId: string, runId: string, afterSeq: number, shared?: SharedReads): Promise<RunEvent[]> {
    const followed = this.followed.get(runId);
    const remembered = followed?.tenantId === tenantId ? followed.eventsAfter(afterSeq) : null;
    if (remembered) {
      streamReadsTotal.inc({ source: 'memory' });
      return Promise.resolve(remembered);
    }
    const read = async () => {
      streamReadsTotal.inc({ source: 'table' });
      const token = followed?.beginRead();
      const events = await readEvents(this.options.db, { tenantId, runId }, { afterSeq, limit: pageSize });
      if (followed && token !== undefined && this.followed.get(runId) === followed) followed.afterRead(token, events, events.length < pageSize);
      return events;
    };
    if (!shared) return read();
    let pending = shared.get(afterSeq);
    if (!pending) {
      pending = read();
      shared.set(afterSeq, pending);
    }
    return pending;
  }

  private onNotice(notice: EventNotice): void {
    const followed = this.followed.get(notice.runId);
    if (followed?.tenantId === notice.tenantId) {
      followed.heard(notice.seq);
      // A NOTIFY often overtakes the reply to this process's own append: while one is in flight,
      // its settling (onLocalAppend) wakes the subscribers, with its events in memory by then.
      if (eventLogOf(this.options.db).localAppends.isAppending(notice.runId)) followed.noticeWaiting = true;
      else this.pumpSubscribers(followed, notice.runId);
    }
    let runView: Promise<RunView | null> | null = null;
    let approvals: Promise<ApprovalRow[]> | null = null;
    // Clients are filtered to the notice's tenant and run below, so these reads are theirs alone.
    for (const client of this.clients) {
      if (client.principal.tenantId !== notice.tenantId) continue;
      if (client.approvalsInbox) {
        approvals ??= this.options.db<ApprovalRow>('approvals').where({ run_id: notice.runId, tenant_id: notice.tenantId });
        this.sendApprovals(client, approvals);
      }
      if (client.runsFilter) {
        // One read per notice, shared by every list subscriber of the tenant.
        runView ??= findRun(this.options.db, notice.tenantId, notice.runId).then((run) =>
          run ? presentRun(this.options.presenter, run, { withSpec: false }) : null,
        );
        const filter = client.runsFilter;
        runView
          .then((run) => {
            if (!run || run.lastSeq <= (client.listedVersions.get(run.id) ?? 0)) return;
            const matches = (!filter.status || filter.status.includes(run.status)) && (!filter.tags || filter.tags.every((tag) => run.tags.includes(tag)));
            // A run that leaves the filter is sent once more, so the client can drop it from its list.
            if (!matches && !client.listedVersions.has(run.id)) return;
            this.rememberListed(client, run.id, run.lastSeq);
            this.send(client, { type: 'run', run });
          })
          .catch((error: unknown) => this.options.log.warn({ err: error }, 'runs list update failed'));
      }
    }
  }

  private sendApprovals(client: StreamClient, rows: Promise<ApprovalRow[]>): void {
    rows
      .then((approvals) => {
        const sent = client.approvalsInbox;
        if (!sent) return;
        for (const row of approvals) {
          if (row.updated_seq <= (sent.get(row.id) ?? 0)) continue;
          sent.set(row.id, row.updated_seq);
          this.send(client, { type: 'approval', approval: presentApproval(row) });
        }
      })
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'approvals inbox update failed'));
  }

  private rememberListed(client: StreamClient, runId: string, lastSeq: number): void {
    client.listedVersions.delete(runId);
    client.listedVersions.set(runId, lastSeq);
    if (client.listedVersions.size > maxListedVersions) {
      const oldest = client.listedVersions.keys().next().value;
      if (oldest !== undefined) client.listedVersions.delete(oldest);
    }
  }

  private pumpInBackground(client: StreamClient, runId: string, subscription: RunSubscription, sharedReads?: SharedReads): void {
    this.pump(client, runId, subscription, sharedReads).catch((error: unknown) => {
      this.retryLater(client, runId, subscription, error);
      this.sendError(client, error);
    });
  }

  /**
   * A failed read loses the wake-ups that came meanwhile (and a notice that set `dirty` during it),
   * and none may come again (the run may have ended): so any failure is retried, for as long as the
   * subscription stands, and the subscription catches up by itself. Every second while the
   * database is unavailable; every 5 s for anything else, which is logged as an error.
   */
  private retryLater(client: StreamClient, runId: string, subscription: RunSubscription, error: unknown): void {
    if (subscription.retrying) return;
    subscription.retrying = true;
    setTimeout(
      () => {
        subscription.retrying = false;
        if (client.runs.get(runId) === subscription && this.clients.has(client)) this.pumpInBackground(client, runId, subscription);
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
  private pumpSubscribers(followed: FollowedRun<StreamClient>, runId: string): void {
    if (this.followed.get(runId) !== followed) return;
    const sharedReads: SharedReads = new Map();
    for (const client of followed.subscribers) {
      const subscription = client.runs.get(runId);
      if (subscription) this.pumpInBackground(client, runId, subscription, sharedReads);
    }
  }

  private follow(client: StreamClient, tenantId: string, runId: string): void {
    let followed = this.followed.get(runId);
    if (!followed || followed.tenantId !== tenantId) this.followed.set(runId, (followed = new FollowedRun(tenantId)));
    followed.subscribers.add(client);
  }

  private unfollow(client: StreamClient, runId: string): void {
    const followed = this.followed.get(runId);
    if (!followed) return;
    followed.subscribers.delete(client);
    if (followed.subscribers.size === 0) this.followed.delete(runId);
  }

  private resyncAll(): void {
    // Notices were lost while the listener was away: memory cannot say what is new until a read has.
    for (const followed of this.followed.values()) followed.distrust();
    for (const client of this.clients) {
      for (const [runId, subscription] of client.runs) this.pumpInBackground(client, runId, subscription);
    }
  }

  private send(client: StreamClient, frame: ServerFrame): boolean {
    return this.sendEncoded(client, Buffer.from(JSON.stringify(frame)));
  }

  /**
   * An event's frame, encoded once for every subscriber a shared read serves (keyed by the event
   * object, so it goes when the read's events do). ws writes it as is: the server does not mask.
   */
  private eventFrame(runId: string, event: RunEvent): Buffer {
    let encoded = this.encodedEvents.get(event);
    if (!encoded) {
      encoded = Buffer.from(JSON.stringify({ type: 'event', runId, seq: event.seq, event } satisfies ServerFrame));
      this.encodedEvents.set(event, encoded);
    }
    return encoded;
  }

  /** False when the client is gone or was closed for lagging. */
  private sendEncoded(client: StreamClient, frame: Buffer): boolean {
    if (client.socket.readyState !== WebSocket.OPEN) return false;
    if (client.socket.bufferedAmount > this.maxBufferedBytes) {
      client.socket.close(closeCodes.lagging, 'lagging: reconnect and resume with afterSeq');
      this.drop(client);
      return false;
    }
    client.socket.send(frame, { binary: false });
    return true;
  }

  private drop(client: StreamClient): void {
    if (!this.clients.delete(client)) return;
    wsClients.set(this.clients.size);
    for (const runId of client.runs.keys()) this.unfollow(client, runId);
  }

  private sendError(client: StreamClient, error: unknown): void {
    const unavailable = !(error instanceof AppError) && isUnavailableError(error);
    const appError =
      error instanceof AppError
        ? error
        : unavailable
          ? new AppError('unavailable', 'the database is unavailable; events resume when it is back')
          : new AppError('internal', 'internal error');
    if (unavailable) this.options.log.warn({ err: error }, 'stream read failed: database unavailable');
    else if (!(error instanceof AppError)) this.options.log.error({ err: error }, 'stream error');
    this.send(client, { type: 'error', error: appError.toBody().error });
  }

  private checkAlive(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate();
        this.drop(client);
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  /** Tells every client to reconnect elsewhere and resume; used on shutdown. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.stopLocalAppends();
    this.followed.clear();
    for (const client of this.clients) client.socket.close(closeCodes.goingAway, 'server shutting down: resume with afterSeq');
    this.clients.clear();
    wsClients.set(0);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
