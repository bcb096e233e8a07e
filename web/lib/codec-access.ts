/**
 * Who may call the dashboard's codec endpoint (web/app/api/codec/[operation]/route.ts), kept free of
 * Next so it can be tested alone. The Temporal Web UI calls it from its own origin with the
 * browser's cookies (`credentials: 'include'`), so this is CORS with credentials for exactly one
 * origin, TEMPORAL_UI_ORIGIN; which payloads the session may open is the API's decision.
 */
import { z } from 'zod';

/**
 * Decode only. The Web UI encodes when it sends Temporal payloads of its own (start, signal,
 * reset, update); Flightdeck takes those through its API (tenancy, audit, signed signals), so the
 * browser gets no encrypting oracle with the installation's key. The CLI encodes with the API's
 * `/v1/codec/encode` and the admin key.
 */
export const codecOperationSchema = z.enum(['decode', 'encode']);
export type CodecOperation = z.infer<typeof codecOperationSchema>;

/** The API's JSON body limit (api/app.ts): a larger body would be refused there anyway. */
export const codecBodyLimitBytes = 256 * 1024;

export type CodecAccess = { allowed: true; cors: Record<string, string> } | { allowed: false; message: string };

/**
 * A request without `Origin` is not a browser's cross-origin call (curl, a script) and passes with
 * no CORS headers; one from the Web UI's origin passes with them; any other origin is refused, so
 * a page of another origin on the same site (which the Lax cookie would reach) learns nothing.
 */
export function codecAccess(origin: string | null, webUiOrigin: string): CodecAccess {
  if (origin === null) return { allowed: true, cors: {} };
  if (origin !== webUiOrigin) return { allowed: false, message: `origin ${origin} may not call the codec endpoint (TEMPORAL_UI_ORIGIN is ${webUiOrigin})` };
  return { allowed: true, cors: { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' } };
}

/** The preflight's answer: the Web UI sends `Content-Type: application/json` and `X-Namespace`. */
export const codecPreflightHeaders = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, x-namespace',
  'access-control-max-age': '600',
} as const;
