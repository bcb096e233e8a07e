import WebSocket from 'ws';
import type { ServerFrame } from '../lib/stream';

export interface TestStreamClientOptions {
  /**
   * Do what the documented contract asks of a client: a subscribe the server refused, naming its
   * `runId`, is sent again with `afterSeq` at the last event this client holds for that run. When
   * refused as `unavailable`, after `resubscribeMs`, doubling per refusal of that run (to 8×); when
   * `rate_limited`, after the `retryAfterSeconds` it names.
   */
  resubscribeMs?: number;
}

const maxBackoffFactor = 8;

/** A real ws client for tests: collects frames and waits for the ones a test expects. */
export class TestStreamClient {
  readonly frames: ServerFrame[] = [];
  /** When each frame arrived (performance.now()), by the frame's index. */
  readonly arrivedAt: number[] = [];
  private waiters: Array<() => void> = [];
  private readonly lastSeqs = new Map<string, number>();
  /** Refusals of each run's subscribe since it was last acknowledged. */
  private readonly refusals = new Map<string, number>();

  private constructor(
    private readonly socket: WebSocket,
    options: TestStreamClientOptions,
  ) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      this.arrivedAt.push(performance.now());
      if (frame.type === 'event') this.lastSeqs.set(frame.runId, frame.seq);
      if (frame.type === 'subscribed' && frame.runId) this.refusals.delete(frame.runId);
      if (frame.type === 'error' && options.resubscribeMs !== undefined) this.resubscribeIfRefused(frame.error, options.resubscribeMs);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  private resubscribeIfRefused(error: { code: string; details?: unknown }, resubscribeMs: number): void {
    const { runId, retryAfterSeconds } = (error.details ?? {}) as { runId?: unknown; retryAfterSeconds?: unknown };
    if (typeof runId !== 'string') return;
    let delayMs: number;
    if (error.code === 'rate_limited' && typeof retryAfterSeconds === 'number') {
      delayMs = retryAfterSeconds * 1000;
    } else if (error.code === 'unavailable') {
      const refusals = (this.refusals.get(runId) ?? 0) + 1;
      this.refusals.set(runId, refusals);
      delayMs = resubscribeMs * Math.min(maxBackoffFactor, 2 ** (refusals - 1));
    } else {
      return;
    }
    setTimeout(() => {
      if (this.socket.readyState === WebSocket.OPEN) this.send({ type: 'subscribe', runId, afterSeq: this.lastSeqs.get(runId) ?? 0 });
    }, delayMs);
  }

  static async connect(url: string, token?: string, options: TestStreamClientOptions = {}): Promise<TestStreamClient> {
    const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new TestStreamClient(socket, options);
  }

  /** Resolves with the close code when the server (or anyone) closes the connection. */
  closed(): Promise<number> {
    return new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the frames so far once `done(frames)` holds; rejects after `timeoutMs`. */
  async waitFor(done: (frames: ServerFrame[]) => boolean, timeoutMs = 20_000): Promise<ServerFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.frames)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames.map((f) => (f.type === 'event' ? `${f.seq}:${f.event.type}` : f.type)))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames;
  }

  events(runId?: string) {
    return this.frames.flatMap((frame) => (frame.type === 'event' && (!runId || frame.runId === runId) ? [frame] : []));
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** The HTTP status the server answers a ws upgrade with (101 once open; the socket is then closed), and its Retry-After. */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<{ status: number; retryAfter?: string }> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve) => {
    socket.once('unexpected-response', (_request, incoming) =>
      resolve({ status: incoming.statusCode ?? 0, retryAfter: incoming.headers['retry-after'] as string }),
    );
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.once('error', () => undefined);
  });
}
