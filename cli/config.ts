import { z } from 'zod';
import { ConfigError } from '../lib/config';
import { describeIssues } from '../lib/errors';

// Empty counts as unset, so `FLIGHTDECK_API_KEY=` reads as missing and an empty URL falls back.
const unsetIfEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** The CLI's configuration: environment first, `--api-url` / `--api-key` over it. */
export const cliConfigSchema = z.object({
  FLIGHTDECK_API_URL: z
    .preprocess(
      unsetIfEmpty,
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://localhost:4000' })
        .default('http://localhost:4000')
        .transform((url) => url.replace(/\/+$/, '')),
    )
    .describe('For the CLI, `--api-url` overrides it.'),
  FLIGHTDECK_API_KEY: z
    .preprocess(
      unsetIfEmpty,
      z.string({
        error: 'is required: set FLIGHTDECK_API_KEY or pass --api-key. `npm start` prints the admin key ("Admin API key"); it is also in .data/admin-key',
      }),
    )
    .describe('The CLI’s API key (`--api-key` overrides it).'),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

/** Throws a ConfigError naming every problem (the API URL and key), so one run shows them all. */
export function loadCliConfig(env: Record<string, string | undefined>, flags: { apiUrl?: string; apiKey?: string }): CliConfig {
  const result = cliConfigSchema.safeParse({
    FLIGHTDECK_API_URL: flags.apiUrl ?? env.FLIGHTDECK_API_URL,
    FLIGHTDECK_API_KEY: flags.apiKey ?? env.FLIGHTDECK_API_KEY,
  });
  if (!result.success) throw new ConfigError(describeIssues(result.error));
  return result.data;
}
