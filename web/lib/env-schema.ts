import { z } from 'zod';

// Empty values count as unset, so `FLIGHTDECK_API_URL=` in a .env file falls back to its default.
const optional = (value: unknown) => (value === '' ? undefined : value);

const baseUrl = (name: string, fallback: string) =>
  z.preprocess(
    optional,
    z
      .url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` })
      .default(fallback)
      .transform((url) => url.replace(/\/+$/, '')),
  );

/** An origin as browsers send it in `Origin`: scheme, host and port, no path. */
const origin = (name: string, fallback: string) =>
  z.preprocess(
    optional,
    z
      .url({ protocol: /^https?$/, error: `${name} must be an http(s) origin` })
      .default(fallback)
      .refine((url) => {
        const { pathname, search, hash } = new URL(url);
        return pathname === '/' && !search && !hash;
      }, `${name} must be an origin (scheme://host[:port]), without a path`)
      .transform((url) => new URL(url).origin),
  );

/**
 * The dashboard's server environment. It holds no API key of its own: each person signs in with
 * theirs, kept in an httpOnly cookie (web/lib/session.ts), so what they see is what their role allows.
 */
export const ServerEnv = z.object({
  FLIGHTDECK_API_URL: baseUrl('FLIGHTDECK_API_URL', 'http://localhost:4000').describe('Base URL of the API, for the dashboard’s server.'),
  TEMPORAL_UI_URL: baseUrl('TEMPORAL_UI_URL', 'http://localhost:8233').describe(
    'The dashboard checks it at start; the run pages link to the `temporalUrl` the API builds from its own TEMPORAL_UI_URL.',
  ),
  TEMPORAL_UI_ORIGIN: origin('TEMPORAL_UI_ORIGIN', 'http://localhost:8233').describe(
    "The Temporal Web UI's origin: the one origin whose pages may call the dashboard's codec endpoint `/api/codec/decode` with the signed-in session (CORS with credentials), so the Web UI shows decrypted payloads to the installation's admin. It must be the same site as the dashboard (docs/security.md). `npm start`: the dev server's Web UI.",
  ),
});
