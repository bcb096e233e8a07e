import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ServerFrame } from '../../lib/stream';
import type { Principal } from '../auth';
import { errorFrame, type FrameSink } from './socket';

const roomPollMs = 5;

/**
 * A run subscriber over server-sent events (GET /v1/runs/:id/stream): each frame is one message,
 * named by the frame's type, its data the frame as the ws stream sends it; an event's message
 * carries its seq as the id, so a reconnecting EventSource resumes after it (Last-Event-ID). The
 * headers go with the first frame, so a refused subscribe is still an ordinary error response.
 * A client whose unsent bytes pass the bound is ended (it resumes from its last id), as a lagging socket is closed.
 */
export class SseSink implements FrameSink {
  private started = false;
  private ended = false;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly response: Response,
    readonly principal: Principal,
    private readonly options: { maxBufferedBytes: number; log: Logger; onEnd: () => void },
  ) {
    response.on('close', () => this.end());
  }

  get hasStarted(): boolean {
    return this.started;
  }

  send(frame: ServerFrame): boolean {
    return this.write(frame.type, Buffer.from(JSON.stringify(frame)));
  }

  sendEncoded(frame: Buffer, seq?: number): boolean {
    return this.write('event', frame, seq);
  }

  sendError(error: unknown): void {
    this.send(errorFrame(error, this.options.log));
  }

  /** A comment line: keeps proxies from timing the idle stream out. */
  ping(): void {
    if (this.started && !this.ended) this.response.write(': ping\n\n');
  }

  async withRoomFor<T>(bytes: number, send: () => Promise<T>): Promise<T | null> {
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise((resolve) => (done = resolve));
    try {
      await previous;
      for (;;) {
        if (this.ended) return null;
        const buffered = this.response.writableLength;
        if (buffered === 0 || buffered + bytes <= this.options.maxBufferedBytes) break;
        await new Promise((resolve) => setTimeout(resolve, roomPollMs));
      }
      return await send();
    } finally {
      done();
    }
  }

  /** Ends the stream; one that never began is left for the error handler to answer. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.started && !this.response.writableEnded) this.response.end();
    this.options.onEnd();
  }

  private write(name: string, data: Buffer, id?: number): boolean {
    if (this.ended) return false;
    if (!this.started) {
      this.started = true;
      this.response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
      this.response.flushHeaders();
    }
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.end();
      return false;
    }
    // JSON has no raw newlines, so the frame is one data line.
    this.response.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${data.toString('utf8')}\n\n`);
    return true;
  }
}
