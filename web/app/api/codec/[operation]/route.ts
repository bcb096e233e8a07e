import { codecAccess, codecBodyLimitBytes, codecOperationSchema, codecPreflightHeaders } from '@/lib/codec-access';
import { getServerEnv } from '@/lib/env';
import { sessionKey } from '@/lib/session';

export const dynamic = 'force-dynamic';

// The codec opens every payload of a history page; the API answers well within this.
const API_TIMEOUT_MS = 15_000;

const errorResponse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message, details: null } }, { status, headers });

/** CORS preflight of the Web UI's codec call: answered for TEMPORAL_UI_ORIGIN only. */
export function OPTIONS(request: Request) {
  const access = codecAccess(request.headers.get('origin'), getServerEnv().TEMPORAL_UI_ORIGIN);
  if (!access.allowed) return errorResponse(403, 'forbidden', access.message);
  return new Response(null, { status: 204, headers: { ...access.cors, ...codecPreflightHeaders } });
}

/**
 * Temporal's remote codec protocol for the Web UI (its codec endpoint is `<dashboard>/api/codec`):
 * the browser's session key goes to the API's `/v1/codec/decode`, which decides as for any caller
 * (the installation's admin key only), and the API's answer comes back as it is.
 */
export async function POST(request: Request, { params }: { params: Promise<{ operation: string }> }) {
  const access = codecAccess(request.headers.get('origin'), getServerEnv().TEMPORAL_UI_ORIGIN);
  if (!access.allowed) return errorResponse(403, 'forbidden', access.message);
  const operation = codecOperationSchema.safeParse((await params).operation);
  if (!operation.success) return errorResponse(404, 'not_found', 'the codec endpoint has /decode only', access.cors);
  if (operation.data === 'encode') {
    const message = "the dashboard's codec endpoint decodes only: encode with the API's /v1/codec/encode and the admin key";
    return errorResponse(403, 'forbidden', message, access.cors);
  }
  const key = await sessionKey();
  if (!key) return errorResponse(401, 'unauthenticated', 'sign in to the dashboard first (with the installation admin key)', access.cors);
  const tooLarge = () => errorResponse(413, 'validation_failed', `request body is over the ${codecBodyLimitBytes / 1024} KiB limit`, access.cors);
  if (Number(request.headers.get('content-length') ?? 0) > codecBodyLimitBytes) return tooLarge();
  const body = await request.text();
  if (Buffer.byteLength(body) > codecBodyLimitBytes) return tooLarge();
  // The API validates the payloads with its schema and answers 400 in the error shape.
  return forwardToApi(key, body, access.cors);
}

async function forwardToApi(key: string, body: string, cors: Record<string, string>): Promise<Response> {
  const apiUrl = getServerEnv().FLIGHTDECK_API_URL;
  let answer: Response;
  try {
    answer = await fetch(`${apiUrl}/v1/codec/decode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json' },
      body,
      cache: 'no-store',
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch {
    return errorResponse(503, 'unavailable', `the API at ${apiUrl} does not answer`, cors);
  }
  return new Response(await answer.text(), {
    status: answer.status,
    headers: { ...cors, 'content-type': answer.headers.get('content-type') ?? 'application/json' },
  });
}
