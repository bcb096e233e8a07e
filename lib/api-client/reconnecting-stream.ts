import { FlightdeckApiError, FlightdeckUnreachableError } from './errors';
import { ServerFrame } from '../stream';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/** The part of the WHATWG WebSocket the stream uses: the `ws` package and a browser's own both fit. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

/** What a frame handler may do with the connection it came on. */
export interface StreamControl {
  /** The subscription is acknowledged: report 'live' and reset the backoff. */
  markLive(): void;
  /** Done: close and resolve. */
  finish(): void;
  /** Something is off with this connection (a gap, a server-side error): drop it and resume. */
  reconnect(reason: string): void;
  /** Stop for good and reject with `error`. */
  fail(error: unknown): void;
}

export interface ReconnectOptions {
  /** First delay after a drop; doubles per failed attempt, with jitter. Default 250 ms. */
  initialDelayMs?: number;
  /** Default 10 s. */
  maxDelayMs?: number;
  /** A ping goes out this often; a connection that answers nothing for two of them is dropped. Default 15 s. */
  pingIntervalMs?: number;
}

export interface ReconnectingStreamOptions extends ReconnectOptions {
  openSocket(): WebSocketLike;
  /** The frame to send on each connect; read then, so it can carry the latest `afterSeq`. */
  subscribeFrame(): unknown;
  /**
   * Called before each connect, over REST, so a bad key or an unknown run fails with the API's own
   * error instead of a bare socket close. 'done' ends the stream without connecting; throwing
   * stops it for good unless the error is transient.
   */
  probe(): Promise<'connect' | 'done'>;
  /** Frames come one at a time: the next waits until the promise returned for this one settles. */
  onFrame(frame: ServerFrame, control: StreamControl): void | Promise<void>;
  onStatus?(status: StreamStatus): void;
  /** Every socket opened, for diagnostics and tests (a test may terminate it to force a drop). */
  onSocket?(socket: WebSocketLike): void;
  signal?: AbortSignal;
}

type SessionEnd = { kind: 'finished' } | { kind: 'dropped' };

/** Close codes after which resuming cannot help (lib/stream.ts `closeCodes.unauthenticated`, policy violation). */
const fatalCloseCodes = new Set([4401, 1008]);

/**
 * One logical subscription over as many sockets as it takes: connects, resubscribes after a drop
 * with backoff, and never hands a frame of a new socket to `onFrame` before the old socket's last
 * frame was handled — ordering across reconnects is what lets callers resume without a gap.
 */
export async function runReconnectingStream(options: ReconnectingStreamOptions): Promise<void> {
  const { signal } = options;
  let status: StreamStatus | null = null;
  const setStatus = (next: StreamStatus) => {
    if (next === status) return;
    status = next;
    options.onStatus?.(next);
  };
  let everConnected = false;
  let failures = 0;
  setStatus('connecting');
  while (!signal?.aborted) {
    try {
      if ((await options.probe()) === 'done') return;
    } catch (error) {
      // Before the first connection, an API that does not answer is most likely a wrong URL: say so.
      if (!everConnected || !isTransient(error)) throw error;
      failures += 1;
      setStatus('reconnecting');
      await abortableSleep(backoffDelay(options, failures), signal);
      continue;
    }
    const end = await runSession(options, {
      onLive: () => {
        everConnected = true;
        failures = 0;
        setStatus('live');
      },
    });
    if (end.kind === 'finished') return;
    // onLive reset the count if this socket got as far as live, so the backoff starts over.
    failures += 1;
    if (signal?.aborted) return;
    setStatus('reconnecting');
    await abortableSleep(backoffDelay(options, failures), signal);
  }
}

/** One socket, from open to close; settles only after the last frame it delivered was handled. */
function runSession(options: ReconnectingStreamOptions, hooks: { onLive(): void }): Promise<SessionEnd> {
  return new Promise<SessionEnd>((resolve, reject) => {
    const { signal } = options;
    const socket = options.openSocket();
    options.onSocket?.(socket);
    let inbox: Promise<void> = Promise.resolve();
    let ending = false;
    let answeredSincePing = true;
    let pingTimer: ReturnType<typeof setInterval> | undefined;
    // A failure wins over however the session was ending: a handler that throws after the socket
    // dropped must stop the stream, not be retried silently.
    let failure: { error: unknown } | null = null;

    const end = (outcome: SessionEnd, closeCode = 1000, reason = 'done') => {
      if (ending) return;
      ending = true;
      clearInterval(pingTimer);
      signal?.removeEventListener('abort', onAbort);
      try {
        socket.close(closeCode, reason);
      } catch {
        // Closing a socket that never opened can throw in some implementations; it is gone either way.
      }
      // Let the frame being handled finish first, so the next session cannot overtake it.
      inbox = inbox.then(() => (failure ? reject(failure.error) : resolve(outcome)));
    };
    const onAbort = () => end({ kind: 'finished' });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();

    const control: StreamControl = {
      markLive: () => hooks.onLive(),
      finish: () => end({ kind: 'finished' }),
      reconnect: (reason) => end({ kind: 'dropped' }, 4000, reason.slice(0, 120)),
      fail: (error) => {
        failure ??= { error };
        end({ kind: 'finished' });
      },
    };

    socket.addEventListener('open', () => {
      if (ending) return;
      socket.send(JSON.stringify(options.subscribeFrame()));
      const pingIntervalMs = options.pingIntervalMs ?? 15_000;
      pingTimer = setInterval(() => {
        if (answeredSincePing) {
          answeredSincePing = false;
          socket.send(JSON.stringify({ type: 'ping' }));
        } else {
          control.reconnect('no answer to ping');
        }
      }, pingIntervalMs);
      (pingTimer as { unref?: () => void }).unref?.();
    });
    socket.addEventListener('message', (event) => {
      answeredSincePing = true;
      inbox = inbox
        .then(async () => {
          if (ending) return;
          const frame = parseFrame(event.data);
          if (!frame) return control.reconnect('unreadable frame');
          await options.onFrame(frame, control);
        })
        .catch((error: unknown) => control.fail(error));
    });
    socket.addEventListener('close', (event) => {
      if (fatalCloseCodes.has(event.code)) {
        control.fail(new FlightdeckApiError({ status: 401, code: 'unauthenticated', message: event.reason || 'the stream refused the API key' }));
        return;
      }
      // 1001 (server going away), 4008 (fell behind), 1006 (dropped) and the rest: resume.
      end({ kind: 'dropped' });
    });
    socket.addEventListener('error', () => {
      // A 'close' always follows; deciding there keeps one path.
    });
  });
}

function parseFrame(data: unknown): ServerFrame | null {
  try {
    const parsed = ServerFrame.safeParse(JSON.parse(String(data)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Worth retrying: no answer, or an answer that says "later" (429, 5xx). */
export function isTransient(error: unknown): boolean {
  if (error instanceof FlightdeckUnreachableError) return true;
  return error instanceof FlightdeckApiError && (error.status === 429 || error.status >= 500);
}

function backoffDelay(options: ReconnectOptions, failures: number): number {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  const capped = Math.min(max, initial * 2 ** Math.max(0, failures - 1));
  // Jitter, so clients dropped together by one restart do not all come back in the same instant.
  return capped / 2 + Math.random() * (capped / 2);
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
