import 'server-only';
import { z } from 'zod';
import { getServerEnv } from './env';

/**
 * Composio connected accounts per user, through the API's `GET /v1/connections?userId=` and
 * `POST /v1/connections` (being added beside this page; the typed client does not have them yet).
 * Unknown fields are kept out; a 404 from the API means this API has no connections routes.
 */
const connectionSchema = z.object({
  id: z.string(),
  toolkit: z.string(),
  status: z.string(),
  userId: z.string().optional(),
  createdAt: z.string().optional(),
});
export type Connection = z.infer<typeof connectionSchema>;
const listSchema = z.object({ items: z.array(connectionSchema) });
const redirectSchema = z.union([
  z.object({ redirectUrl: z.url() }),
  z.object({ connection: z.object({ redirectUrl: z.url() }) }).transform((body) => ({ redirectUrl: body.connection.redirectUrl })),
  z.object({ item: z.object({ redirectUrl: z.url() }) }).transform((body) => ({ redirectUrl: body.item.redirectUrl })),
]);
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

export type ConnectionsResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'not_available' }
  | { kind: 'error'; status: number; code: string; message: string; details?: unknown };

async function call<T>(apiKey: string, method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<ConnectionsResult<T>> {
  let response: Response;
  try {
    response = await fetch(`${getServerEnv().FLIGHTDECK_API_URL}${path}`, {
      method,
      cache: 'no-store',
      headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return { kind: 'error', status: 0, code: 'unreachable', message: 'the API does not answer' };
  }
  const json: unknown = await response.json().catch(() => undefined);
  const error = errorSchema.safeParse(json);
  // The API's catch-all answers "no route for …": this API has no connections routes (yet).
  if (response.status === 404 && (!error.success || error.data.error.message.startsWith('no route'))) return { kind: 'not_available' };
  if (!response.ok) {
    return error.success ? { kind: 'error', status: response.status, ...error.data.error } : { kind: 'error', status: response.status, code: 'unexpected_response', message: `HTTP ${response.status}` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { kind: 'ok', value: parsed.data } : { kind: 'error', status: response.status, code: 'invalid_response', message: 'the API answered in an unexpected shape' };
}

export const listConnections = (apiKey: string, userId: string) =>
  call(apiKey, 'GET', `/v1/connections?userId=${encodeURIComponent(userId)}`, listSchema);

export const createConnection = (apiKey: string, input: { userId: string; toolkit: string }) => call(apiKey, 'POST', '/v1/connections', redirectSchema, input);
