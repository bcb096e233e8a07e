import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { AppError, isUnavailableError } from '../../lib/errors';
import { closeCodes, type ServerFrame } from '../../lib/stream';
import type { Principal } from '../auth';

/** What a feed needs of a connection: whose it is, and a way to send it frames. */
export interface FrameSink {
  readonly principal: Principal;
  /** False for a follower that wants events only (no streamed answer text). */
  readonly acceptsDeltas?: boolean;
  /** False when the connection is gone or was closed for lagging. */
  send(frame: ServerFrame): boolean;
  /** A frame already encoded (an event frame shared by every subscriber of a read), with its event's seq. */
  sendEncoded(frame: Buffer, seq?: number): boolean;
  /** The error as a typed frame; internals stay in the log. */
  sendError(error: unknown): void;
  /**
   * Runs `send` (which reads a page and sends its frames) once the connection's unsent bytes leave
   * room for `bytes` more under its bound, or none are left; one caller at a time, so pages of
   * several catch-ups on one connection take turns. Null, without running it, when the connection
   * is gone.
   */
  withRoomFor<T>(bytes: number, send: () => Promise<T>): Promise<T | null>;
}

/** How often a page waiting for room looks at the socket's unsent bytes again. */
const roomPollMs = 5;

/**
 * One client's socket with its backpressure bound: a client whose unsent bytes pass
 * `maxBufferedBytes` is closed with `closeCodes.lagging` (it resumes with afterSeq) instead of
 * the API holding ever more for it. Also answers the heartbeat: a socket silent for a whole
 * beat is terminated.
 */
export class StreamSocket implements FrameSink {
  private alive = true;
  /** The page that waits for room or is being sent; the next waits for it. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    readonly principal: Principal,
    private readonly options: { maxBufferedBytes: number; log: Logger; onLagging: () => void },
  ) {
    socket.on('pong', () => this.heardFrom());
  }

  /** Any frame or pong from the client proves it is there. */
  heardFrom(): void {
    this.alive = true;
  }

  /** One heartbeat: pings a socket heard from since the last one; false (and terminated) when it was not. */
  beat(): boolean {
    if (!this.alive) {
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    this.socket.ping();
    return true;
  }

  send(frame: ServerFrame): boolean {
    return this.sendEncoded(Buffer.from(JSON.stringify(frame)));
  }

  sendEncoded(frame: Buffer): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.socket.close(closeCodes.lagging, 'lagging: reconnect and resume with afterSeq');
      this.options.onLagging();
      return false;
    }
    // ws writes it as is: the server does not mask.
    this.socket.send(frame, { binary: false });
    return true;
  }

  sendError(error: unknown): void {
    this.send(errorFrame(error, this.options.log));
  }

  async withRoomFor<T>(bytes: number, send: () => Promise<T>): Promise<T | null> {
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise((resolve) => (done = resolve));
    try {
      await previous;
      for (;;) {
        if (this.socket.readyState !== WebSocket.OPEN) return null;
        const buffered = this.socket.bufferedAmount;
        if (buffered === 0 || buffered + bytes <= this.options.maxBufferedBytes) break;
        await new Promise((resolve) => setTimeout(resolve, roomPollMs));
      }
      return await send();
    } finally {
      done();
    }
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }
}

/** An error as the frame a client gets: an AppError as it is, an unavailable database as `unavailable`, anything else `internal` (and logged). */
export function errorFrame(error: unknown, log: Logger): Extract<ServerFrame, { type: 'error' }> {
  const unavailable = !(error instanceof AppError) && isUnavailableError(error);
  const appError =
    error instanceof AppError
      ? error
      : unavailable
        ? new AppError('unavailable', 'the database is unavailable; events resume when it is back')
        : new AppError('internal', 'internal error');
  if (unavailable) log.warn({ err: error }, 'stream read failed: database unavailable');
  else if (!(error instanceof AppError)) log.error({ err: error }, 'stream error');
  return { type: 'error', error: appError.toBody().error };
}
