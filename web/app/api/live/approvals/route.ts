import { clientFor } from '@/lib/api';
import { sessionKey } from '@/lib/session';
import { sseResponse, unauthenticated } from '@/lib/sse';

export const dynamic = 'force-dynamic';

/** The tenant's approvals inbox, live. */
export async function GET(request: Request) {
  const key = await sessionKey();
  if (!key) return unauthenticated();
  return sseResponse(request, (writer, signal) =>
    clientFor(key).watchApprovals((approval) => writer.send('approval', approval), { signal, onStatus: writer.status }),
  );
}
