import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import { answerDeltaNotice, answerDeltasChannel, type AnswerDeltaNotice } from '../lib/answer-deltas';
import { eventsChannel } from '../lib/event-log';

export interface EventNotice {
  tenantId: string;
  runId: string;
  seq: number;
}

export interface EventNotifierOptions {
  /** How often the idle connection proves it is alive (`select 1`). */
  probeIntervalMs?: number;
  /** How long connecting, LISTEN or a probe may take before the connection counts as lost. */
  timeoutMs?: number;
}

/**
 * One LISTEN connection per API process: every append anywhere (any worker, any API instance)
 * arrives here as a small notice; readers then fetch from the table. Streamed answer text
 * (`model_deltas`, lib/answer-deltas.ts) arrives on the same connection as `delta`, text included. Reconnects with backoff and
 * emits `resync` afterwards, since notices sent while disconnected are lost.
 *
 * A LISTEN connection is idle by nature, so a database that hangs (or a link that drops packets
 * without a reset) would leave it waiting for notices that never come while every stream stalls.
 * So connecting and each query have a timeout, TCP keepalive is on, and a probe every few seconds
 * turns a silent connection into a lost one: reconnect, then `resync`.
 */
export class EventNotifier extends EventEmitter<{ notice: [EventNotice]; delta: [AnswerDeltaNotice]; resync: [] }> {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryDelayMs = 250;
  private probe: NodeJS.Timeout | null = null;
  private readonly probeIntervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Logger,
    options: EventNotifierOptions = {},
  ) {
    super();
    this.probeIntervalMs = options.probeIntervalMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Connects now if it can; otherwise keeps retrying in the background (the API serves 503s meanwhile). */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      this.log.warn({ err: error }, 'event listener could not connect; retrying');
      this.reconnectLater();
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: this.probeIntervalMs,
    });
    client.on('notification', (message) => {
      if (!message.payload) return;
      try {
        if (message.channel === eventsChannel) this.emit('notice', JSON.parse(message.payload) as EventNotice);
        else if (message.channel === answerDeltasChannel) this.emit('delta', answerDeltaNotice.parse(JSON.parse(message.payload)));
      } catch (error) {
        this.log.warn({ err: error }, 'ignoring a malformed notice');
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${eventsChannel}; LISTEN ${answerDeltasChannel}`);
    } catch (error) {
      void this.close(client);
      throw error;
    }
    this.client = client;
    this.retryDelayMs = 250;
    this.probeLater(client);
  }

  private probeLater(client: pg.Client): void {
    this.probe = setTimeout(() => {
      this.probe = null;
      client.query('select 1').then(
        () => {
          if (this.client === client) this.probeLater(client);
        },
        (error: unknown) => this.lost(client, error instanceof Error ? error : new Error(String(error))),
      );
    }, this.probeIntervalMs);
    this.probe.unref();
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.stopped || this.client !== client) return;
    this.log.warn({ err: error }, 'event listener connection lost; reconnecting');
    this.client = null;
    this.clearProbe();
    void this.close(client);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5_000);
    setTimeout(() => {
      if (this.stopped) return;
      this.connect()
        .then(() => this.emit('resync'))
        .catch((error: unknown) => {
          this.log.warn({ err: error }, 'event listener reconnect failed');
          this.reconnectLater();
        });
    }, delay).unref();
  }

  private clearProbe(): void {
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearProbe();
    const client = this.client;
    this.client = null;
    if (client) await this.close(client);
  }

  /**
   * Ends a client without waiting on a peer that may never answer: a polite `end()`, and past the
   * timeout the socket is destroyed (pg has no public way to drop a connection at once).
   */
  private async close(client: pg.Client): Promise<void> {
    client.removeAllListeners();
    client.on('error', () => undefined); // a late socket error on a client we are done with
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        resolve();
      }, this.timeoutMs);
    });
    await Promise.race([client.end().catch(() => undefined), gaveUp]);
    clearTimeout(timer);
  }
}
