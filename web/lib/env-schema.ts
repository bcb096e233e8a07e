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
