import 'server-only';
import { FlightdeckClient } from '../../lib/api-client/client';
import type { RunList } from '../../lib/api-client/schemas';
import { getServerEnv } from './env';

export { FlightdeckApiError, FlightdeckUnreachableError } from '../../lib/api-client/errors';
export type { Run as RunSummary, RunList } from '../../lib/api-client/schemas';

// A page render should fail fast into the "unreachable" notice rather than hang.
const REQUEST_TIMEOUT_MS = 5_000;

let client: FlightdeckClient | undefined;

// Built on first use, like the environment it reads, so `next build` needs no secrets.
function apiClient(): FlightdeckClient {
  if (!client) {
    const env = getServerEnv();
    client = new FlightdeckClient({
      baseUrl: env.FLIGHTDECK_API_URL,
      apiKey: env.FLIGHTDECK_API_KEY,
      timeoutMs: REQUEST_TIMEOUT_MS,
      // Runs change all the time: never answer a render from Next's fetch cache.
      fetch: (input, init) => fetch(input, { ...init, cache: 'no-store' }),
    });
  }
  return client;
}

export function listRuns(options: { limit?: number; cursor?: string } = {}): Promise<RunList> {
  return apiClient().listRuns(options);
}
