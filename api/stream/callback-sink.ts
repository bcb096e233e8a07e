import type { RunEvent } from '../../lib/events';
import type { ServerFrame } from '../../lib/stream';
import type { Principal } from '../auth';
import type { FrameSink } from './socket';

/**
 * A run subscriber inside the API process (the MCP `wait_for_run` tool): the feed's frames are
 * handed to a callback instead of a socket. It buffers nothing, so it always has room.
 */
export class CallbackSink implements FrameSink {
  private open = true;
  readonly acceptsDeltas = false;

  constructor(
    readonly principal: Principal,
    private readonly onEvent: (event: RunEvent) => void,
  ) {}

  send(frame: ServerFrame): boolean {
    if (this.open && frame.type === 'event') this.onEvent(frame.event);
    return this.open;
  }

  sendEncoded(frame: Buffer): boolean {
    return this.send(JSON.parse(frame.toString('utf8')) as ServerFrame);
  }

  /** A failed catch-up read: the feed retries it in the background, and the follower sees the events then. */
  sendError(): void {}

  async withRoomFor<T>(_bytes: number, send: () => Promise<T>): Promise<T | null> {
    return this.open ? send() : null;
  }

  close(): void {
    this.open = false;
  }
}
