import type { Server } from 'node:http';
import type { Response } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { LocalAppendFeed } from '../../lib/local-appends';
import { wsClients } from '../../lib/metrics';
import { closeCodes, type ClientFrame } from '../../lib/stream';
import type { Authenticator, Principal } from '../auth';
import type { EventNotifier } from '../event-notifier';
import type { PresenterContext } from '../presenters';
import { rateLimitKey, rateLimitedError, type RateLimiter } from '../rate-limiter';
import type { RunEvent } from '../../lib/events';
import { AppError } from '../../lib/errors';
import { AnswerFeed } from './answer-feed';
import { ApprovalsFeed } from './approvals-feed';
import { CallbackSink } from './callback-sink';
import { parseClientFrame, refusedRunSubscribe } from './parse-client-frame';
import { RunFeed } from './run-feed';
import { RunsFeed } from './runs-feed';
import { StreamSocket } from './socket';
import { SseSink } from './sse-sink';
import { acceptStreamUpgrades } from './upgrade';

export { streamPath } from './upgrade';

const heartbeatMs = 30_000;
/** As often as the key lookup cache forgets (domains/keys/database-authenticator.ts): a revoked key's sockets close within it. */
export const revocationCheckMs = 5_000;

export interface StreamHubOptions {
  db: Knex;
  /** This process's appends to `db` (lib/event-log eventLogOf(db).localAppends). */
  localAppends: LocalAppendFeed;
  notifier: EventNotifier;
  authenticator: Authenticator;
  presenter: PresenterContext;
  log: Logger;
  /** A client whose unsent bytes pass this is closed with `closeCodes.lagging` and resumes with afterSeq. */
  maxBufferedBytes?: number;
  /** Run subscriptions one connection may hold. */
  maxSubscriptions?: number;
  /** The JSON one catch-up page of a run's events may carry (FLIGHTDECK_EVENTS_PAGE_MAX_BYTES). */
  pageMaxBytes?: number;
  /** Upgrades and frames draw from the key's budget, as REST calls do. */
  rateLimiter?: RateLimiter;
  /** Open connections one API key may hold on this process; beyond it an upgrade is a 429. */
  maxConnectionsPerKey?: number;
  /** Browser origins that may open a stream (a request without Origin is not a browser's). */
  allowedOrigins?: ReadonlySet<string>;
}

/**
 * The ws stream: accepts sockets, reads their frames in order and routes them to the three feeds
 * (one run, with its streamed answers alongside, the runs list, the approvals inbox), which the
 * notifier's notices wake; and the same run feed as server-sent events (streamRunEvents).
 */
export class StreamHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<StreamSocket>();
  /** Open server-sent event streams (GET /v1/runs/:id/stream). */
  private readonly sseSinks = new Set<SseSink>();
  private readonly connectionsPerKey = new Map<string, number>();
  private readonly maxBufferedBytes: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly revocationCheck: NodeJS.Timeout;
  private readonly runFeed: RunFeed;
  private readonly runsFeed: RunsFeed;
  private readonly approvalsFeed: ApprovalsFeed;
  private readonly answerFeed: AnswerFeed;

  constructor(private readonly options: StreamHubOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.answerFeed = new AnswerFeed({ db: options.db, log: options.log });
    this.runFeed = new RunFeed({
      observer: this.answerFeed,
      db: options.db,
      localAppends: options.localAppends,
      maxSubscriptions: options.maxSubscriptions,
      pageMaxBytes: options.pageMaxBytes,
    });
    this.runsFeed = new RunsFeed({ db: options.db, presenter: options.presenter, log: options.log });
    this.approvalsFeed = new ApprovalsFeed({ db: options.db, log: options.log });
    options.notifier.on('notice', (notice) => {
      this.runFeed.onNotice(notice);
      this.approvalsFeed.onNotice(notice);
      this.runsFeed.onNotice(notice);
    });
    options.notifier.on('delta', (notice) => this.answerFeed.onDelta(notice));
    options.notifier.on('resync', () => {
      this.runFeed.resync();
      this.answerFeed.resync();
    });
    this.heartbeat = setInterval(() => this.checkAlive(), heartbeatMs);
    this.heartbeat.unref();
    this.revocationCheck = setInterval(() => {
      this.closeRevoked().catch((error: unknown) => options.log.warn({ err: error }, 'could not check open streams for revoked keys'));
    }, revocationCheckMs);
    this.revocationCheck.unref();
  }

  /**
   * Follows one run of the principal's tenant from `afterSeq`, as a ws subscription does (stored
   * events first, then live ones, in seq order, no gap, no duplicate), for a reader inside this
   * process. Throws `not_found` for another tenant's run. Returns the stop.
   */
  async followRun(principal: Principal, runId: string, afterSeq: number, onEvent: (event: RunEvent) => void): Promise<() => void> {
    const sink = new CallbackSink(principal, onEvent);
    const stop = () => {
      sink.close();
      this.runFeed.drop(sink);
    };
    try {
      await this.runFeed.subscribe(sink, runId, afterSeq);
    } catch (error) {
      // Unlike a socket's, this subscriber is told at once: no background retry outlives the call.
      stop();
      throw error;
    }
    return stop;
  }

  /**
   * Follows one run of the principal's tenant as server-sent events on `response`: what a ws run
   * subscription gets (events after `afterSeq`, then streamed answer text), one message per frame.
   * Throws, before anything is written, `not_found` for another tenant's run and `rate_limited`
   * when the key holds all the stream connections it may.
   */
  async streamRunEvents(principal: Principal, runId: string, afterSeq: number, response: Response): Promise<void> {
    const release = this.admit(principal);
    if (!release) throw new AppError('rate_limited', 'too many open streams for this API key: close one first', { runId });
    const sink: SseSink = new SseSink(response, principal, {
      maxBufferedBytes: this.maxBufferedBytes,
      log: this.options.log,
      onEnd: () => {
        release();
        this.sseSinks.delete(sink);
        this.runFeed.drop(sink);
      },
    });
    this.sseSinks.add(sink);
    try {
      await this.runFeed.subscribe(sink, runId, afterSeq);
    } catch (error) {
      if (!sink.hasStarted) {
        sink.end();
        throw error;
      }
      sink.sendError(error); // the catch-up read failed after the stream began: the feed retries it
    }
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
    const gate = { ...this.options, admit: (principal: Principal) => this.admit(principal) };
    acceptStreamUpgrades(server, this.wss, gate, (ws, principal) => this.accept(ws, principal));
  }

  /** A connection slot of the key, counted from the upgrade until its socket closes; null at the cap. */
  private admit(principal: Principal): (() => void) | null {
    const key = rateLimitKey(principal);
    const held = this.connectionsPerKey.get(key) ?? 0;
    if (held >= (this.options.maxConnectionsPerKey ?? Infinity)) return null;
    this.connectionsPerKey.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.connectionsPerKey.get(key) ?? 1) - 1;
      if (left > 0) this.connectionsPerKey.set(key, left);
      else this.connectionsPerKey.delete(key);
    };
  }

  private accept(ws: WebSocket, principal: Principal): void {
    const socket: StreamSocket = new StreamSocket(ws, principal, {
      maxBufferedBytes: this.maxBufferedBytes,
      log: this.options.log,
      onLagging: () => this.drop(socket),
    });
    this.clients.add(socket);
    wsClients.set(this.clients.size);
    // Frames are handled one at a time, so replies come back in the order frames were sent.
    let inbox = Promise.resolve();
    ws.on('message', (data) => {
      socket.heardFrom();
      inbox = inbox.then(() => this.onMessage(socket, data).catch((error: unknown) => socket.sendError(error)));
    });
    const forget = () => this.drop(socket);
    ws.on('close', forget);
    ws.on('error', (error) => {
      this.options.log.debug({ err: error }, 'ws client error');
      forget();
    });
  }

  private async onMessage(socket: StreamSocket, data: RawData): Promise<void> {
    const waitMs = (await this.options.rateLimiter?.take(rateLimitKey(socket.principal))) ?? 0;
    // A refused run subscribe names its run, as one refused for an unavailable database does: a
    // client that cannot tell which subscribe failed cannot send it again, and never follows that run.
    if (waitMs > 0) throw rateLimitedError(waitMs, refusedRunSubscribe(data));
    await this.handle(socket, parseClientFrame(data));
  }

  private async handle(socket: StreamSocket, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        socket.send({ type: 'pong' });
        return;
      case 'unsubscribe':
        if (frame.runId) this.runFeed.unsubscribe(socket, frame.runId);
        if (frame.runs) this.runsFeed.unsubscribe(socket);
        if (frame.approvals) this.approvalsFeed.unsubscribe(socket);
        return;
      case 'subscribe':
        if (frame.approvals) return this.approvalsFeed.subscribe(socket);
        if (frame.runs) return this.runsFeed.subscribe(socket, frame.runs);
        if (frame.runId) await this.runFeed.subscribe(socket, frame.runId, frame.afterSeq ?? 0);
    }
  }

  /** Closes, with `closeCodes.unauthenticated`, every open socket whose API key was revoked since it connected. */
  private async closeRevoked(): Promise<void> {
    const keyIds = [
      ...new Set([...this.clients, ...this.sseSinks].filter((socket) => !socket.principal.superAdmin).map((socket) => socket.principal.actor.id)),
    ];
    if (keyIds.length === 0) return;
    const revoked = new Set(
      (await this.options.db('api_keys').whereIn('id', keyIds).whereNotNull('revoked_at').select<Array<{ id: string }>>('id')).map((row) => row.id),
    );
    for (const socket of this.clients) {
      if (!socket.principal.superAdmin && revoked.has(socket.principal.actor.id)) {
        socket.close(closeCodes.unauthenticated, 'API key revoked');
        this.drop(socket);
      }
    }
    for (const sink of this.sseSinks) {
      if (!sink.principal.superAdmin && revoked.has(sink.principal.actor.id)) sink.end();
    }
  }

  private drop(socket: StreamSocket): void {
    if (!this.clients.delete(socket)) return;
    wsClients.set(this.clients.size);
    this.runFeed.drop(socket);
    this.runsFeed.drop(socket);
    this.approvalsFeed.drop(socket);
  }

  private checkAlive(): void {
    for (const sink of this.sseSinks) sink.ping();
    for (const socket of this.clients) {
      if (!socket.beat()) this.drop(socket);
    }
  }

  /** Tells every client to reconnect elsewhere and resume; used on shutdown. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.revocationCheck);
    this.runFeed.close();
    this.runsFeed.close();
    this.approvalsFeed.close();
    this.answerFeed.close();
    for (const socket of this.clients) socket.close(closeCodes.goingAway, 'server shutting down: resume with afterSeq');
    for (const sink of this.sseSinks) sink.end();
    this.clients.clear();
    wsClients.set(0);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
