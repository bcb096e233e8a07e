import WebSocket from 'ws';
import type { ServerFrame } from '../lib/stream';

export type FrameListener = (frame: ServerFrame, receivedAt: number) => void;

/**
 * A real client of ws `/v1/stream`, as a dashboard would hold one. Each frame is stamped with
 * performance.now() as it arrives, before it is parsed, so client-side work inflates latencies least.
 */
export class StreamSubscriber {
  private listener: FrameListener | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const receivedAt = performance.now();
      this.listener?.(JSON.parse(data.toString()) as ServerFrame, receivedAt);
    });
  }

  static async connect(url: string, apiKey: string): Promise<StreamSubscriber> {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new StreamSubscriber(socket);
  }

  /** Opens `count` clients, a batch at a time so the API's accept queue is not flooded all at once. */
  static async connectMany(url: string, apiKey: string, count: number, batchSize = 100): Promise<StreamSubscriber[]> {
    const subscribers: StreamSubscriber[] = [];
    try {
      while (subscribers.length < count) {
        const batch = Math.min(batchSize, count - subscribers.length);
        subscribers.push(...(await Promise.all(Array.from({ length: batch }, () => StreamSubscriber.connect(url, apiKey)))));
      }
    } catch (error) {
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      throw error;
    }
    return subscribers;
  }

  /** One listener at a time: a subscriber serves one run (or one measurement) at a time. */
  listen(listener: FrameListener | null): void {
    this.listener = listener;
  }

  subscribe(runId: string, afterSeq: number): void {
    this.socket.send(JSON.stringify({ type: 'subscribe', runId, afterSeq }));
  }

  unsubscribe(runId: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'unsubscribe', runId }));
  }

  async close(): Promise<void> {
    this.listener = null;
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
