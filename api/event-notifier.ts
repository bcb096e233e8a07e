import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import { eventsChannel } from '../lib/event-log';

export interface EventNotice {
  tenantId: string;
  runId: string;
  seq: number;
}

/**
 * One LISTEN connection per API process: every append anywhere (any worker, any API instance)
 * arrives here as a small notice; readers then fetch from the table. Reconnects with backoff and
 * emits `resync` afterwards, since notices sent while disconnected are lost.
 */
export class EventNotifier extends EventEmitter<{ notice: [EventNotice]; resync: [] }> {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryDelayMs = 250;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {
    super();
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
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      if (message.channel !== eventsChannel || !message.payload) return;
      try {
        this.emit('notice', JSON.parse(message.payload) as EventNotice);
      } catch (error) {
        this.log.warn({ err: error }, 'ignoring a malformed notice');
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${eventsChannel}`);
    } catch (error) {
      client.removeAllListeners();
      client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.retryDelayMs = 250;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.stopped || this.client !== client) return;
    this.log.warn({ err: error }, 'event listener connection lost; reconnecting');
    this.client = null;
    client.removeAllListeners();
    client.end().catch(() => undefined);
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

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
