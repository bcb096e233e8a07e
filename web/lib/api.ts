import 'server-only';
import { z } from 'zod';
import { getServerEnv } from './env';

// Mirrors the API's run list contract; move to the shared lib/ schemas once they exist there.
export const RunSummary = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  mode: z.enum(['plan', 'agent']),
  tags: z.array(z.string()),
  currentStep: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  temporalUrl: z.url({ protocol: /^https?$/ }),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunList = z.object({
  runs: z.array(RunSummary),
  nextCursor: z.string().nullable(),
});
export type RunList = z.infer<typeof RunList>;

const ApiErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const REQUEST_TIMEOUT_MS = 5_000;

/** The API answered, but not with what we asked for: an error body, or a body we cannot read. */
export class FlightdeckApiError extends Error {
  override readonly name = 'FlightdeckApiError';
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(init: { code: string; message: string; status: number; details?: unknown }) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
  }
}

/** No answer at all: connection refused, DNS failure or timeout. */
export class FlightdeckApiUnreachableError extends Error {
  override readonly name = 'FlightdeckApiUnreachableError';
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(`Flightdeck API unreachable at ${url}`, { cause });
    this.url = url;
  }
}

async function getJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  const env = getServerEnv();
  const url = `${env.FLIGHTDECK_API_URL}${path}`;

  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${env.FLIGHTDECK_API_KEY}`, Accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (cause) {
    throw new FlightdeckApiUnreachableError(env.FLIGHTDECK_API_URL, cause);
  }

  const body: unknown = await response.json().catch(() => undefined);

  if (!response.ok) {
    const parsedError = ApiErrorBody.safeParse(body);
    if (parsedError.success) {
      throw new FlightdeckApiError({ ...parsedError.data.error, status: response.status });
    }
    throw new FlightdeckApiError({
      code: 'unexpected_response',
      message: `GET ${path} answered HTTP ${response.status} without an error body`,
      status: response.status,
    });
  }

  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new FlightdeckApiError({
      code: 'invalid_response',
      message: `GET ${path} returned an unexpected shape:\n${z.prettifyError(parsed.error)}`,
      status: response.status,
    });
  }
  return parsed.data;
}

export async function listRuns(options: { limit?: number; cursor?: string } = {}): Promise<RunList> {
  const query = new URLSearchParams();
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.cursor !== undefined) query.set('cursor', options.cursor);
  const search = query.size > 0 ? `?${query}` : '';
  return getJson(`/v1/runs${search}`, RunList);
}
