import type { FrameSink } from '../api/stream/socket';
import type { Principal } from '../api/auth';
import type { ServerFrame } from '../lib/stream';

/** A stream connection for feed tests: keeps every frame a feed sends it, parsed by the wire schema. */
export class RecordingSink implements FrameSink {
  readonly frames: ServerFrame[] = [];
  readonly errors: unknown[] = [];
  readonly principal: Principal;

  constructor(tenantId: string) {
    this.principal = { tenantId, role: 'admin', superAdmin: false, actor: { type: 'api_key', id: `key-${tenantId}` } };
  }

  send(frame: ServerFrame): boolean {
    this.frames.push(frame);
    return true;
  }

  sendEncoded(frame: Buffer): boolean {
    return this.send(JSON.parse(frame.toString()) as ServerFrame);
  }

  sendError(error: unknown): void {
    this.errors.push(error);
  }

  /** Takes everything at once: no room to wait for. */
  withRoomFor<T>(_bytes: number, send: () => Promise<T>): Promise<T | null> {
    return send();
  }

  /** The seqs of the event frames of one run, in arrival order. */
  seqsOf(runId: string): number[] {
    return this.frames.flatMap((frame) => (frame.type === 'event' && frame.runId === runId ? [frame.seq] : []));
  }

  async waitFor(done: (sink: RecordingSink) => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
