import { z } from 'zod';
import { adminKey, apiPort, commonShape, logKeysCheck, metricsTokenCheck, migrationUrl, runStartShape, withEnvChecks } from '../lib/config';
import { signalKeysCheck } from '../lib/signal-signature';
import { composioShape, unpinnedToolkitProblems } from '../tools/composio/composio-config';
import { mcpShape } from '../tools/mcp/mcp-config';

/** The API always serves `/metrics`: production needs its token. */
export const apiServesMetrics = metricsTokenCheck(() => true);

/** What an API process reads (api/main.ts); lib/config.ts holds the parts every process shares. */
export const apiEnvSchema = withEnvChecks(
  z.object({
    ...commonShape,
    /** Not used by the API itself: a platform that runs `npm run migrate` with the API's environment (render.yaml's preDeployCommand) finds the owner here. */
    DATABASE_MIGRATION_URL: migrationUrl,
    API_PORT: apiPort,
    API_HOST: z.string().trim().min(1).default('0.0.0.0').describe('Interface the API listens on.'),
    FLIGHTDECK_ADMIN_KEY: adminKey.describe('The bootstrap admin API key (16+ characters), acting for FLIGHTDECK_DEFAULT_TENANT.'),
    /** The tenant the admin key acts for (per-tenant keys arrive with the auth issue). */
    FLIGHTDECK_DEFAULT_TENANT: z.string().trim().min(1).default('default').describe('The tenant the admin key acts for.'),
    /** A ws client whose unsent frames pass this many bytes is closed with 4008 and resumes with afterSeq. */
    FLIGHTDECK_WS_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024)
      .describe('A ws client whose unsent frames pass this many bytes is closed with code 4008 (it resumes with afterSeq).'),
    /** Per API key, across all API instances (shared in Postgres): requests (REST calls, ws upgrades and frames) a minute; 0 turns it off. */
    FLIGHTDECK_RATE_LIMIT_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(0)
      .default(6000)
      .describe('Requests (REST calls, ws upgrades and frames) per API key a minute, counted across all API processes in Postgres; 0: no limit.'),
    /** `GET /v1/runs/:id/events`, and each page of a ws catch-up, stop adding events once their JSON passes this budget (at least one event). */
    FLIGHTDECK_EVENTS_PAGE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024)
      .describe(
        '`GET /v1/runs/:id/events` stops adding events once their JSON passes this many bytes (a page holds at least one event; continue from `nextAfterSeq`); a ws run subscription catches up in pages of this size, each sent once the socket has room for it.',
      ),
    /** Open ws connections one API key may hold on one API process. */
    FLIGHTDECK_WS_MAX_CONNECTIONS_PER_KEY: z.coerce
      .number()
      .int()
      .min(1)
      .default(500)
      .describe(
        'Open ws stream connections one API key may hold on one API process (counted in its memory: N processes allow N × this per key); an upgrade beyond it is refused with HTTP 429 (`rate_limited`).',
      ),
    /** Run subscriptions one ws connection may hold at once. */
    FLIGHTDECK_WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(1000).describe('Run subscriptions one ws connection may hold at once.'),
    /** Browser origins allowed by CORS and the ws Origin check (the dashboard's). */
    FLIGHTDECK_ALLOWED_ORIGINS: z
      .string()
      .default('http://localhost:3000,http://127.0.0.1:3000')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin.length > 0),
      )
      .pipe(z.array(z.url().transform((origin) => new URL(origin).origin)))
      .describe(
        'Comma list of browser origins allowed by CORS and the ws Origin check (the dashboard’s); `npm start` sets it to its dashboard URLs when unset.',
      ),
    ...runStartShape,
    /** How often the API checks whether users of runs in `awaiting_connection` now have an ACTIVE account (0: never). */
    COMPOSIO_CONNECTION_POLL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(15_000)
      .describe('How often (ms) the API checks whether runs in `awaiting_connection` now have an active Composio account; 0: never.'),
    ...composioShape,
    ...mcpShape,
  }),
  unpinnedToolkitProblems,
  apiServesMetrics,
  logKeysCheck,
  signalKeysCheck,
);
export type ApiEnv = z.infer<typeof apiEnvSchema>;
