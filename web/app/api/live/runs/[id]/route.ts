import { z } from 'zod';
import { clientFor } from '@/lib/api';
import { sessionKey } from '@/lib/session';
import { sseResponse, unauthenticated } from '@/lib/sse';

export const dynamic = 'force-dynamic';

const seqOf = z.coerce.number().int().min(0).catch(0);

/**
 * A run's events, live: `?afterSeq=` on the first connect, then the browser's own Last-Event-ID
 * on its reconnects, so a dropped stream resumes after the last event it got — no gap, no repeat.
 * Behind it, watchRun resumes the same way across API restarts. Model answers come as `delta`
 * messages while they stream.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const key = await sessionKey();
  if (!key) return unauthenticated();
  const { id } = await params;
  const lastEventId = request.headers.get('last-event-id');
  const afterSeq = seqOf.parse(lastEventId ?? new URL(request.url).searchParams.get('afterSeq') ?? 0);
  return sseResponse(request, (writer, signal) =>
    clientFor(key).watchRun(id, {
      afterSeq,
      signal,
      onEvent: (event) => writer.send('event', event, event.seq),
      // Streamed answer text (no id: a resume goes by events; the new subscription sends the text so far again).
      onDelta: (delta) => writer.send('delta', delta),
      onStatus: writer.status,
    }),
  );
}
