import 'server-only';
import { z } from 'zod';

// Empty values count as unset, so `FLIGHTDECK_API_KEY=` in a .env file reads as missing and
// `FLIGHTDECK_API_URL=` falls back to its default.
const optional = (value: unknown) => (value === '' ? undefined : value);

const baseUrl = (name: string, fallback: string) =>
  z.preprocess(
    optional,
    z
      .url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` })
      .default(fallback)
      .transform((url) => url.replace(/\/+$/, '')),
  );

export const ServerEnv = z.object({
  FLIGHTDECK_API_URL: baseUrl('FLIGHTDECK_API_URL', 'http://localhost:4000'),
  FLIGHTDECK_API_KEY: z.preprocess(
    optional,
    z.string({
      error: 'FLIGHTDECK_API_KEY is required: the API key the dashboard sends as a Bearer token (in dev, the value of FLIGHTDECK_ADMIN_KEY)',
    }),
  ),
  TEMPORAL_UI_URL: baseUrl('TEMPORAL_UI_URL', 'http://localhost:8233'),
});

export type ServerEnv = z.infer<typeof ServerEnv>;

export class InvalidEnvError extends Error {
  override readonly name = 'InvalidEnvError';
}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  const result = ServerEnv.safeParse(source);
  if (!result.success) {
    throw new InvalidEnvError(`Invalid dashboard environment:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

let cached: ServerEnv | undefined;

// Parsed on first use rather than at import, so `next build` needs no secrets; instrumentation.ts
// calls this at server start so a bad environment still fails before the first request.
export function getServerEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}

/** For server start-up only: print what is wrong with the environment and exit. */
export function exitOnInvalidServerEnv(): void {
  try {
    getServerEnv();
  } catch (error) {
    if (!(error instanceof InvalidEnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
