import 'server-only';
import { FlightdeckClient } from '../../lib/api-client/client';
import { getServerEnv } from './env';

export { FlightdeckApiError, FlightdeckUnreachableError } from '../../lib/api-client/errors';
export type { FlightdeckClient } from '../../lib/api-client/client';
export type {
  Approval,
  ApiKey,
  DailyUsage,
  Definition,
  Principal,
  Run,
  RunCounts,
  RunDetail,
  RunList,
  TenantBudget,
  Tool,
  UsageTotals,
} from '../../lib/api-client/schemas';
export type { RunEvent, RunStatus } from '../../lib/events';

// A page render should fail fast into the "unreachable" notice rather than hang.
const REQUEST_TIMEOUT_MS = 5_000;

/** A client that acts as the signed-in key: every call the dashboard makes is that person's. */
export function clientFor(apiKey: string): FlightdeckClient {
  return new FlightdeckClient({
    baseUrl: getServerEnv().FLIGHTDECK_API_URL,
    apiKey,
    timeoutMs: REQUEST_TIMEOUT_MS,
    // Runs change all the time: never answer a render from Next's fetch cache.
    fetch: (input, init) => fetch(input, { ...init, cache: 'no-store' }),
  });
}
