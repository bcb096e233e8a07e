import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ComposioSdk } from '../tools/composio/composio-sdk';
import type { ToolRegistry } from '../tools/registry';
import type { RunStartSettings } from '../lib/config';
import type { InFlight } from '../lib/in-flight';
import { requireAuth, type Authenticator } from './auth';
import { errorHandler, notFoundHandler } from './error-handler';
import { corsForOrigins } from './origin-check';
import { buildOpenApiDocument } from './openapi';
import type { PresenterContext } from './presenters';
import { rateLimitByKey, type RateLimiter } from './rate-limiter';
import { adminRouter } from './routes/admin';
import { approvalsRouter } from './routes/approvals';
import { connectionsRouter } from './routes/connections';
import { metricsRouter, timeRequests } from './routes/metrics';
import { runControlRouter } from './routes/run-control';
import { runsRouter } from './routes/runs';
import { schedulesRouter } from './routes/schedules';
import { sessionRouter } from './routes/session';
import { healthRouter, toolsRouter } from './routes/system';
import { verifyRouter } from './routes/verify';
import { traceRequests } from './trace-requests';

export interface AppDeps extends PresenterContext, RunStartSettings {
  db: Knex;
  temporal: Client;
  /** Every call to Temporal goes through this, so shutdown can wait for calls still retrying. */
  temporalCalls: InFlight;
  tools: ToolRegistry;
  /** Runs start eagerly (run-service.ts): `temporal` shares a NativeConnection with a worker in this process. */
  eagerStart?: boolean;
  authenticator: Authenticator;
  log: Logger;
  /** The Composio SDK for the connections routes; null when the provider is off. */
  composio: ComposioSdk | null;
  /** Per-key request budget (REST and ws share it) and the browser origins allowed. */
  rateLimiter: RateLimiter;
  allowedOrigins: ReadonlySet<string>;
  /** Set when OpenTelemetry is on: every request gets a SERVER span. */
  tracer?: Tracer;
}

/** The REST API: probes at the root, everything else under `/v1` behind an API key. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  if (deps.tracer) app.use(traceRequests(deps.tracer));
  app.use(timeRequests);
  app.use(corsForOrigins(deps.allowedOrigins));
  app.use(express.json({ limit: '256kb' }));
  app.use(healthRouter(deps));
  app.use(metricsRouter(deps));
  const openApi = buildOpenApiDocument({ version: '0.1.0' });
  app.get('/v1/openapi.json', (_request, response) => {
    response.json(openApi);
  });
  const v1 = express.Router();
  v1.use(requireAuth(deps.authenticator), rateLimitByKey(deps.rateLimiter));
  v1.use(toolsRouter(deps.tools));
  v1.use(sessionRouter(deps));
  v1.use(runsRouter(deps));
  v1.use(runControlRouter(deps));
  v1.use(approvalsRouter(deps));
  v1.use(connectionsRouter(deps));
  v1.use(schedulesRouter(deps));
  v1.use(adminRouter(deps));
  v1.use(verifyRouter(deps));
  app.use('/v1', v1);
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
