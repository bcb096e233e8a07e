import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ComposioSdk } from '../tools/composio/composio-sdk';
import type { ToolRegistry } from '../tools/registry';
import type { McpServerDeps } from '../domains/mcp-servers';
import type { RunStartSettings } from '../lib/config';
import type { InFlight } from '../lib/in-flight';
import { requireAuth, type Authenticator } from './auth';
import { trustedProxies } from './client-address';
import { errorHandler, notFoundHandler, refuseDeepBodies } from './error-handler';
import type { RunFollower } from './mcp/wait-for-run';
import type { RunEventStreams } from './routes/run-stream';
import { mcpPath, refuseMcpMethods } from './mcp/mcp-endpoint';
import { corsForOrigins } from './origin-check';
import { buildOpenApiDocument } from './openapi';
import { registerRoutes } from './route-contract';
import type { PresenterContext } from './presenters';
import { rateLimitByKey, type RateLimiter } from './rate-limiter';
import { requireMetricsToken, runsByStatusGauge, timeRequests } from './routes/metrics';
import { restRoutes } from './routes';
import { traceRequests } from './trace-requests';

export interface AppDeps extends PresenterContext, RunStartSettings {
  db: Knex;
  temporal: Client;
  /** Every call to Temporal goes through this, so shutdown can wait for calls still retrying. */
  temporalCalls: InFlight;
  tools: ToolRegistry;
  /** The tenants' own MCP servers (POST /v1/mcp-servers): storage, sealing, policy. */
  mcpServers: McpServerDeps;
  /** Runs start eagerly (run-service.ts): `temporal` shares a NativeConnection with a worker in this process. */
  eagerStart?: boolean;
  authenticator: Authenticator;
  log: Logger;
  /** The Composio SDK for the connections routes; null when the provider is off. */
  composio: ComposioSdk | null;
  /** Per-key request budget (REST and ws share it) and the browser origins allowed. */
  rateLimiter: RateLimiter;
  allowedOrigins: ReadonlySet<string>;
  /** FLIGHTDECK_EVENTS_PAGE_MAX_BYTES: an events page stops adding events past this many bytes of JSON. */
  eventsPageMaxBytes: number;
  /** FLIGHTDECK_METRICS_TOKEN: routes of the `metrics` role need it; unset, they are open. */
  metricsToken?: string;
  /** Set when OpenTelemetry is on: every request gets a SERVER span. */
  tracer?: Tracer;
  /** FLIGHTDECK_PAYLOAD_KEYS's codec (lib/payload-codec.ts), for the codec endpoint; null without keys. */
  payloadCodec: PayloadCodec | null;
  /** The ws stream hub's run feed, which the MCP tool wait_for_run follows. */
  runFollower: RunFollower;
  /** The stream hub again, for GET /v1/runs/:id/stream (server-sent events). */
  runStreams: RunEventStreams;
  /** Aborted as the API shuts down, so MCP calls still waiting answer and let the server close. */
  shutdown?: AbortSignal;
}

/** The REST API (and MCP at /v1/mcp): probes at the root, everything else under `/v1` behind an API key. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustedProxies);
  app.set('query parser', 'simple');
  if (deps.tracer) app.use(traceRequests(deps.tracer));
  app.use(timeRequests);
  app.use(corsForOrigins(deps.allowedOrigins));
  app.use(express.json({ limit: '256kb' }), refuseDeepBodies);
  runsByStatusGauge(deps.db);
  const routeDeps = { ...deps, openApiDocument: buildOpenApiDocument(restRoutes, { version: '0.1.0' }) };
  registerRoutes<typeof routeDeps>(
    app,
    restRoutes.filter((route) => route.role === 'public'),
    routeDeps,
  );
  const scrapes = restRoutes.filter((route) => route.role === 'metrics');
  for (const route of scrapes) app.use(route.path, requireMetricsToken(deps.metricsToken));
  registerRoutes<typeof routeDeps>(app, scrapes, routeDeps);
  // Everything else under /v1 needs a key, a path no route matches too (401 before 404).
  app.use('/v1', requireAuth(deps.authenticator), rateLimitByKey(deps.rateLimiter));
  app.use(mcpPath, refuseMcpMethods);
  registerRoutes<typeof routeDeps>(
    app,
    restRoutes.filter((route) => route.role !== 'public' && route.role !== 'metrics'),
    routeDeps,
  );
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
