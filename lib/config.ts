import { z } from 'zod';
import { approvalPolicyEnv, type InstallationApprovalPolicy } from './approval-policy';
import { definitionsDirEnv, type DefinitionCatalog } from './definitions';
import { parseNetworkAllowList } from './network-allow-list';
import { describeIssues } from './errors';
import { keyListField, type NamedKey } from './key-list';
import { logKeysShape } from './log-keys';
import { payloadCodecShape } from './payload-codec';
import { signalKeysShape } from './signal-signature';
import { telemetryShape } from './telemetry';

/** Treats "false", "0", "no", "off" and "" as false — `z.coerce.boolean()` would call them true. */
export const envBoolean = z
  .union([z.boolean(), z.string()])
  .transform((value) => (typeof value === 'boolean' ? value : !['false', '0', 'no', 'off', ''].includes(value.trim().toLowerCase())));

/** 0 lets the OS pick a free port (tests). */
export const port = z.coerce.number().int().min(0).max(65_535);
const postgresUrl = z
  .string()
  .trim()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
  .describe('Postgres connection URL (`postgres://user:password@host:port/database`); required with NODE_ENV=production.');
/** DATABASE_MIGRATION_URL: the owner role migrations run as; '' is unset. */
export const migrationUrl = z
  .preprocess((value) => (value === '' ? undefined : value), postgresUrl.optional())
  .describe(
    'Postgres URL of the role that owns the tables: `npm run migrate` (and `npm start`, `npm run restore`) connect with it, then grant the role of DATABASE_URL what the app needs. Unset: DATABASE_URL (one role, which the API and worker refuse with NODE_ENV=production). The API only carries it for a platform’s pre-deploy `npm run migrate` (render.yaml).',
  );
export const optionalUrl = z.preprocess((value) => (value === '' ? undefined : value), z.string().trim().url().optional());

/** Extra secret key names for the event log's redaction, on top of the built-in list (lib/redact.ts). */
const redactKeys = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key.length > 0),
  )
  .refine((keys) => keys.every((key) => /^[A-Za-z0-9_.-]+$/.test(key)), 'must be a comma list of key names, e.g. "x-session-token,stripe_key"')
  .describe('Comma list of extra key names whose values are redacted before events are stored, on top of the built-in list (lib/redact.ts).');

/** `FLIGHTDECK_HTTP_ALLOW`: hosts, IPs and CIDRs builtin.http_request may reach inside the denied ranges. */
const httpAllow = z
  .string()
  .default('')
  .transform((value, context) => {
    try {
      return parseNetworkAllowList(
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry.length > 0),
      );
    } catch (error) {
      context.addIssue({ code: 'custom', message: `${(error as Error).message}; expected a comma list like "127.0.0.1,10.0.0.0/8,internal.example"` });
      return z.NEVER;
    }
  })
  .describe(
    'Comma list of hosts, IPs and CIDRs that `builtin.http_request` and the MCP servers of tenants may reach although they are in the denied (private, metadata) ranges.',
  );

const nodeEnv = z
  .enum(['development', 'test', 'production'])
  .default('development')
  .describe(
    '`production` requires DATABASE_URL and TEMPORAL_ADDRESS, pinned COMPOSIO_TOOLKITS versions, and FLIGHTDECK_LOG_KEYS wherever events are appended or verified.',
  );
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level (JSON lines on stdout).');
const temporalNamespace = z.string().trim().min(1).default('default').describe('Temporal namespace of runs, schedules and the retention schedule.');
export const adminKey = z.string().trim().min(16, 'must be at least 16 characters');
export const apiPort = port.default(4000).describe('Port of the REST API and the ws stream.');

/** DATABASE_STATEMENT_TIMEOUT_MS's default: no statement of the app's comes near it. */
export const defaultStatementTimeoutMs = 30_000;
/** DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS's default. */
export const defaultIdleInTransactionTimeoutMs = 60_000;

/** The timeouts every pool's connections start with (lib/db.ts `createDb`). */
export const databaseTimeoutShape = {
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(defaultStatementTimeoutMs)
    .describe(
      'Postgres cancels a statement of this process that runs longer than this (ms), so a hung database fails requests instead of holding pool connections; 0: the server’s setting. Migrations run without it.',
    ),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(defaultIdleInTransactionTimeoutMs)
    .describe('Postgres ends a session left idle inside a transaction this long (ms), releasing its row locks; 0: the server’s setting.'),
};

/** createDb's timeout options from an env parsed with `databaseTimeoutShape`. */
export const databaseTimeouts = (env: { DATABASE_STATEMENT_TIMEOUT_MS: number; DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: number }) => ({
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
});

export const commonShape = {
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  DATABASE_URL: postgresUrl,
  ...databaseTimeoutShape,
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('127.0.0.1:7233').describe('Temporal frontend `host:port`; required with NODE_ENV=production.'),
  TEMPORAL_NAMESPACE: temporalNamespace,
  TEMPORAL_TASK_QUEUE: z
    .string()
    .trim()
    .min(1)
    .default('flightdeck')
    .describe('Task queue the worker polls and the API starts runs on; also names the retention schedule.'),
  TEMPORAL_UI_URL: z.string().trim().url().default('http://localhost:8233').describe('Temporal Web UI base URL, for the links to a run’s workflow.'),
  /** Temporal Cloud: an API key (implies TLS), or an mTLS certificate and key as PEM text. */
  TEMPORAL_API_KEY: z.string().trim().min(1).optional().describe('Temporal Cloud API key; turns on TLS.'),
  TEMPORAL_TLS_CERT: z.string().trim().min(1).optional().describe('mTLS client certificate (PEM text); used with TEMPORAL_TLS_KEY.'),
  TEMPORAL_TLS_KEY: z.string().trim().min(1).optional().describe('mTLS client key (PEM text); used with TEMPORAL_TLS_CERT.'),
  /** Both processes append events (worker: tool calls and run facts; API: run.created, audit facts). */
  FLIGHTDECK_REDACT_KEYS: redactKeys,
  /** The worker runs builtin.http_request; the API builds the same tool registry. */
  FLIGHTDECK_HTTP_ALLOW: httpAllow,
  FLIGHTDECK_VALIDATE_EVENTS: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      "`true` / `false`: check every appended event against its type's schema (lib/event-schemas.ts) and refuse a misshapen one. Unset: on, unless NODE_ENV=production. The bench turns it off.",
    ),
  /** Both seal and open what they send to and read from Temporal (lib/payload-codec.ts). */
  ...payloadCodecShape,
  /** Both append events, signed with the first log key; the API verifies them (lib/log-keys.ts). */
  ...logKeysShape,
  /** The API signs the signals it sends, the worker verifies them (lib/signal-signature.ts). */
  ...signalKeysShape,
  FLIGHTDECK_METRICS_TOKEN: z
    .string()
    .trim()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'Bearer token `/metrics` needs, on the API and on the worker’s metrics port (`Authorization: Bearer <token>`). Unset: `/metrics` is open and a warning is logged at start; required with NODE_ENV=production wherever metrics are served (the API; the worker when WORKER_METRICS_PORT is set).',
    ),
  ...telemetryShape,
};

/** Production serves `/metrics` only behind FLIGHTDECK_METRICS_TOKEN (`servesMetrics`: whether this process serves them). */
export const metricsTokenCheck =
  (servesMetrics: (env: NodeJS.ProcessEnv) => boolean): EnvCheck =>
  (env) =>
    env.NODE_ENV === 'production' && !env.FLIGHTDECK_METRICS_TOKEN?.trim() && servesMetrics(env)
      ? [{ path: 'FLIGHTDECK_METRICS_TOKEN', message: 'must be set when NODE_ENV=production: it guards /metrics' }]
      : [];

/**
 * Production keys the event log: a process that appends or verifies refuses to start without
 * FLIGHTDECK_LOG_KEYS, since plain sha256 rows can be rewritten, hashes and all, by anyone with the database.
 */
export const logKeysCheck: EnvCheck = (env) =>
  env.NODE_ENV === 'production' && !env.FLIGHTDECK_LOG_KEYS?.trim()
    ? [
        {
          path: 'FLIGHTDECK_LOG_KEYS',
          message:
            'must be set when NODE_ENV=production: it keys the event log’s hash chain; make a key with `openssl rand -base64 32` and set FLIGHTDECK_LOG_KEYS=<keyId>:<that key> (the same list for every API, worker and verify-log)',
        },
      ]
    : [];

/** The event log's configuration of a process (lib/event-log/state.ts `createEventLogState`). */
export const eventLogOptions = (env: {
  NODE_ENV: string;
  FLIGHTDECK_VALIDATE_EVENTS?: 'true' | 'false';
  FLIGHTDECK_REDACT_KEYS: string[];
  FLIGHTDECK_LOG_KEYS: NamedKey[];
}) => ({ redactKeys: env.FLIGHTDECK_REDACT_KEYS, validateEvents: validatesEvents(env), logKeys: env.FLIGHTDECK_LOG_KEYS });

/** Whether this process checks appended events against their schemas (FLIGHTDECK_VALIDATE_EVENTS). */
export const validatesEvents = (env: { NODE_ENV: string; FLIGHTDECK_VALIDATE_EVENTS?: 'true' | 'false' }): boolean =>
  env.FLIGHTDECK_VALIDATE_EVENTS ? env.FLIGHTDECK_VALIDATE_EVENTS === 'true' : env.NODE_ENV !== 'production';

/**
 * Production must name its database and Temporal cluster: the embedded Postgres and the Temporal
 * dev server are development conveniences, so a production process refuses to fall back to them.
 */
function productionProblems(env: NodeJS.ProcessEnv): Array<{ path: string; message: string }> {
  if (env.NODE_ENV !== 'production') return [];
  const unset = ['DATABASE_URL', 'TEMPORAL_ADDRESS']
    .filter((name) => !env[name])
    .map((name) => ({ path: name, message: 'must be set when NODE_ENV=production (embedded defaults are for development only)' }));
  return unset;
}

/**
 * What every run start applies, whether `POST /v1/runs` (API) or a schedule tick (worker) starts
 * it: both processes read it, and `runStartSettings` hands it to `startRun`.
 */
export const runStartShape = {
  /** Agent runs continue as new past this many history events (default: when Temporal suggests it). */
  FLIGHTDECK_HISTORY_EVENTS_LIMIT: z.coerce
    .number()
    .int()
    .min(50)
    .optional()
    .describe('Agent runs continue as new past this many workflow history events (≥ 50); unset: when Temporal suggests it.'),
  /** Approval gates every run gets, that its spec cannot remove or loosen (lib/approval-policy.ts). */
  FLIGHTDECK_APPROVAL_POLICY: approvalPolicyEnv,
  /** Folders of run definitions besides definitions/ (lib/definitions.ts). */
  FLIGHTDECK_DEFINITIONS_DIR: definitionsDirEnv,
};

export interface RunStartSettings {
  taskQueue: string;
  historyEventsLimit?: number;
  /** The installation's approval gates; absent: the default ones (defaultInstallationApprovalPolicy). */
  approvalPolicy?: InstallationApprovalPolicy;
  /** The run definitions this process loaded (not from the env itself: lib/definitions.ts loads FLIGHTDECK_DEFINITIONS_DIR). */
  definitions?: DefinitionCatalog;
}

export const runStartSettings = (env: {
  TEMPORAL_TASK_QUEUE: string;
  FLIGHTDECK_HISTORY_EVENTS_LIMIT?: number;
  FLIGHTDECK_APPROVAL_POLICY?: InstallationApprovalPolicy;
}): RunStartSettings => ({
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  ...(env.FLIGHTDECK_HISTORY_EVENTS_LIMIT === undefined ? {} : { historyEventsLimit: env.FLIGHTDECK_HISTORY_EVENTS_LIMIT }),
  ...(env.FLIGHTDECK_APPROVAL_POLICY ? { approvalPolicy: env.FLIGHTDECK_APPROVAL_POLICY } : {}),
});

/** `npm run retention` reads it, and the worker keeps the daily retention schedule in step with it. */
export const retentionShape = {
  // '' is unset, not 0: `z.coerce.number` would read an empty variable as "purge everything finished".
  FLIGHTDECK_RETENTION_DAYS: z
    .preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(0).max(36_500).optional())
    .describe(
      'Finished runs that ended more than this many days ago are purged: daily by a Temporal schedule the worker keeps in step, and by `npm run retention` unless `--days` is given. Unset: no schedule (the worker deletes it).',
    ),
};

/** WORKER_MAX_CONCURRENT_WORKFLOW_TASKS's default (the bench gives bare Temporal's worker the same). */
export const defaultWorkflowTaskSlots = 200;

/** FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES's default (activities/event-log-interceptor.ts). */
export const defaultToolOutputMaxBytes = 1024 * 1024;

/** `npm run retention`: finished runs older than this many days are purged (lib/retention.ts). */
export const retentionEnvSchema = z.object({
  DATABASE_URL: postgresUrl,
  ...databaseTimeoutShape,
  ...retentionShape,
});

/**
 * The database-only commands: `npm run migrate`, `backup`, `restore`, `verify-log`,
 * `rebuild-projections`; migrate and restore connect with DATABASE_MIGRATION_URL (the owner).
 */
export const databaseEnvSchema = z.object({ DATABASE_URL: postgresUrl, DATABASE_MIGRATION_URL: migrationUrl, ...databaseTimeoutShape });

/**
 * `npm run replay`: the definitions to bundle as the worker does, and for `--from-temporal` the
 * cluster, namespace and payload keys the worker's client uses.
 */
export const replayEnvSchema = z.object({
  TEMPORAL_ADDRESS: commonShape.TEMPORAL_ADDRESS,
  TEMPORAL_NAMESPACE: commonShape.TEMPORAL_NAMESPACE,
  TEMPORAL_API_KEY: commonShape.TEMPORAL_API_KEY,
  TEMPORAL_TLS_CERT: commonShape.TEMPORAL_TLS_CERT,
  TEMPORAL_TLS_KEY: commonShape.TEMPORAL_TLS_KEY,
  ...payloadCodecShape,
  FLIGHTDECK_DEFINITIONS_DIR: definitionsDirEnv,
});

/** The owner's URL: DATABASE_MIGRATION_URL, or DATABASE_URL when it is unset (one role). */
export const migrationUrlOf = (env: { DATABASE_URL: string; DATABASE_MIGRATION_URL?: string }): string => env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;

/** What `npm start` (the dev supervisor) reads before it provisions anything. */
export const devEnvSchema = z.object({
  NODE_ENV: commonShape.NODE_ENV,
  LOG_LEVEL: commonShape.LOG_LEVEL,
  DATABASE_URL: postgresUrl
    .optional()
    .describe(
      '`npm start`: unset starts an embedded PostgreSQL on EMBEDDED_PG_PORT, with an owner role for migrations and the application role `flightdeck_app` the processes connect as.',
    ),
  DATABASE_MIGRATION_URL: migrationUrl,
  TEMPORAL_ADDRESS: z.string().trim().min(1).optional().describe('`npm start`: unset starts a Temporal dev server on TEMPORAL_PORT.'),
  TEMPORAL_NAMESPACE: commonShape.TEMPORAL_NAMESPACE,
  TEMPORAL_UI_URL: z.string().trim().url().optional().describe('`npm start`: unset is the dev server’s Web UI.'),
  TEMPORAL_CLI: z.string().trim().min(1).optional().describe('Path of the `temporal` CLI binary; unset: PATH, then `.tools/bin`, a Go build, or a download.'),
  FLIGHTDECK_ADMIN_KEY: adminKey.optional().describe('`npm start`: unset generates one on first start and keeps it in `<FLIGHTDECK_DATA_DIR>/admin-key`.'),
  FLIGHTDECK_LOG_KEYS: keyListField().describe(
    '`npm start`: unset generates a key on first start, keeps it in `<FLIGHTDECK_DATA_DIR>/log-key` (mode 0600) and passes it to the processes.',
  ),
  FLIGHTDECK_SIGNAL_KEYS: signalKeysShape.FLIGHTDECK_SIGNAL_KEYS,
  API_PORT: apiPort,
  WEB_PORT: port.default(3000).describe('Port of the dashboard `npm start` runs.'),
  TEMPORAL_PORT: port.default(7233).describe('Port of the Temporal dev server `npm start` starts.'),
  TEMPORAL_UI_PORT: port.default(8233).describe('Port of that dev server’s Web UI.'),
  EMBEDDED_PG_PORT: port.default(54329).describe('Port of the embedded PostgreSQL `npm start` starts.'),
  FLIGHTDECK_DATA_DIR: z
    .string()
    .trim()
    .min(1)
    .default('.data')
    .describe('Folder (relative to the repository) of the embedded servers’ data and the admin key.'),
  /** Scale-out on one machine: this many worker processes, and API processes on API_PORT, API_PORT+1, … */
  WORKER_PROCESSES: z.coerce.number().int().min(1).max(16).default(1).describe('Worker processes `npm start` runs (1–16).'),
  API_PROCESSES: z.coerce.number().int().min(1).max(16).default(1).describe('API processes `npm start` runs (1–16), on API_PORT, API_PORT+1, …'),
  /**
   * `combined`: the (first) API and the (first) worker share one process and one Temporal
   * connection, so runs start eagerly; `separate`: each is its own process, as in production.
   */
  FLIGHTDECK_START_MODE: z
    .enum(['combined', 'separate'])
    .default('combined')
    .describe('`combined`: the first API and the first worker share one process and Temporal connection (eager run starts); `separate`: each its own process.'),
});
export type DevEnv = z.infer<typeof devEnvSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: Array<{ path: string; message: string }>) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A check of the raw environment beyond its schema (a provider's production rule), run by parseEnv. */
export type EnvCheck = (env: NodeJS.ProcessEnv) => Array<{ path: string; message: string }>;
const envChecks = new WeakMap<z.ZodType, EnvCheck[]>();

/** `schema`, with checks parseEnv also runs whenever it parses with it (worker/env.ts, api/env.ts). */
export function withEnvChecks<S extends z.ZodType>(schema: S, ...checks: EnvCheck[]): S {
  envChecks.set(schema, checks);
  return schema;
}

/** `npm run verify-log`: a database command that also holds the log keys it verifies and signs heads with (after envChecks exists). */
export const verifyLogEnvSchema = withEnvChecks(z.object({ ...databaseEnvSchema.shape, NODE_ENV: nodeEnv, ...logKeysShape }), logKeysCheck);

/** Parses the environment with `schema`, throwing a ConfigError that lists every problem. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  const problems = [
    ...productionProblems(env),
    ...(envChecks.get(schema) ?? []).flatMap((check) => check(env)),
    ...(result.success ? [] : describeIssues(result.error)),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

/** For process entry points: parse, or print the readable list of problems and exit 1. */
export function loadEnvOrExit<S extends z.ZodType>(schema: S, processName: string): z.infer<S> {
  try {
    return parseEnv(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`flightdeck ${processName}: ${error.message}\n`);
    process.exit(1);
  }
}
