import { z } from 'zod';
import { runStatusSchema } from '../../../../../lib/events';
import { clientFor } from '@/lib/api';
import { sessionKey } from '@/lib/session';
import { sseResponse, unauthenticated } from '@/lib/sse';

export const dynamic = 'force-dynamic';

const listFilter = z.object({
  status: z.array(runStatusSchema).max(20),
  tag: z.array(z.string().min(1).max(64)).max(20),
});

/** Runs that change and match `?status=&tag=`, live. Changes during a drop are not replayed: the page re-reads the list on 'live'. */
export async function GET(request: Request) {
  const key = await sessionKey();
  if (!key) return unauthenticated();
  const search = new URL(request.url).searchParams;
  const filter = listFilter.safeParse({ status: search.getAll('status'), tag: search.getAll('tag') });
  if (!filter.success) return Response.json({ error: { code: 'validation_failed', message: 'bad filter', details: filter.error.issues } }, { status: 400 });
  const { status, tag } = filter.data;
  return sseResponse(request, (writer, signal) =>
    clientFor(key).watchRuns({ status: status.length ? status : undefined, tags: tag.length ? tag : undefined }, (run) => writer.send('run', run), {
      signal,
      onStatus: writer.status,
    }),
  );
}
