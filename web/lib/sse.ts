import 'server-only';
import type { StreamStatus } from '../../lib/api-client/reconnecting-stream';
import { FlightdeckApiError } from './api';

export interface SseWriter {
  /** One message; `id` becomes the browser's Last-Event-ID, so EventSource resumes after it. */
  send(event: string, data: unknown, id?: number): void;
  status(status: StreamStatus): void;
}

const encoder = new TextEncoder();
// Keeps proxies and the browser from timing an idle stream out.
const HEARTBEAT_MS = 15_000;

/**
 * A Server-Sent Events response that runs `follow` (a watch over the API's ws stream, made here on
 * the server with the signed-in key) until it ends or the browser goes away. The browser never
 * holds the key: it reads this same-origin stream with its cookie.
 */
export function sseResponse(request: Request, follow: (writer: SseWriter, signal: AbortSignal) => Promise<unknown>): Response {
  const stop = new AbortController();
  request.signal.addEventListener('abort', () => stop.abort());
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          closed = true;
        }
      };
      const writer: SseWriter = {
        send: (event, data, id) => write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        status: (status) => writer.send('status', { status }),
      };
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
      write('retry: 1000\n\n');
      const finish = () => {
        clearInterval(heartbeat);
        if (closed) return;
        closed = true;
        controller.close();
      };
      follow(writer, stop.signal)
        .then(() => {
          if (!stop.signal.aborted) writer.send('end', {});
        })
        .catch((error: unknown) => {
          const body =
            error instanceof FlightdeckApiError
              ? { code: error.code, message: error.message, status: error.status }
              : { code: 'internal', message: 'the live view stopped unexpectedly', status: 500 };
          writer.send('fatal', body);
        })
        .finally(finish);
    },
    cancel() {
      stop.abort();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}

/** 401 when there is no session: EventSource then stops instead of retrying forever. */
export const unauthenticated = () => Response.json({ error: { code: 'unauthenticated', message: 'sign in first' } }, { status: 401 });
