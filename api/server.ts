import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createComposioSdk } from '../tools/composio/composio-sdk';
import type { ToolRegistry } from '../tools/registry';
import { loadDefinitionCatalog } from '../lib/definitions';
import { runStartSettings } from '../lib/config';
import type { ApiEnv } from './env';
import { InFlight } from '../lib/in-flight';
import { runStartClientInterceptors, startTracing } from '../lib/telemetry';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { dataConverterOption, payloadCodecFor } from '../lib/payload-codec';
import { unsignedSignalsWarning, withSignalSigning } from '../lib/signal-signature';
import { createApp } from './app';
import { startConnectionPoller } from '../domains/connections';
import { databaseAuthenticator } from '../domains/keys';
import { EventNotifier } from './event-notifier';
import { PostgresRateLimiter } from './rate-limiter';
import { StreamHub } from './stream/hub';
import { eventLogOf } from '../lib/event-log';
import { openMetricsWarning } from '../lib/metrics';
import { createSecretSealer } from '../lib/sealed-secrets';

export interface ApiServer {
  server: Server;
  url: string;
  hub: StreamHub;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  env: ApiEnv;
  db: Knex;
  tools: ToolRegistry;
  log: Logger;
  /**
   * The NativeConnection of a worker in this process that serves the API's task queue (the
   * combined process): the API's client shares it and starts runs eagerly. Its owner closes it.
   */
  workerConnection?: NativeConnection;
}

/** Builds and starts the API (REST + ws) over one Temporal connection and one LISTEN connection. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { env, db, tools, log, workerConnection } = options;
  // First: a definition file that does not load stops the boot, naming the file.
  const { catalog: definitions } = await loadDefinitionCatalog(env.FLIGHTDECK_DEFINITIONS_DIR);
  // Lazy: the API comes up (and /readyz says why it is not ready) even while Temporal is still starting.
  const connection = workerConnection ?? Connection.lazy(temporalConnectionOptions(env));
  const tracing = startTracing(env, 'flightdeck-api');
  // The same codec seals what the client sends and serves the codec endpoint (/v1/codec/*).
  const payloadCodec = payloadCodecFor(env.FLIGHTDECK_PAYLOAD_KEYS);
  const temporal = new Client({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    // Every signal this client sends (decisions, messages, cancels, connections) is signed; the worker checks it.
    interceptors: withSignalSigning(runStartClientInterceptors(tracing), env.FLIGHTDECK_SIGNAL_KEYS),
    ...dataConverterOption(payloadCodec),
  });
  // Calls to Temporal still retrying when we close would hit a closed channel: close after them.
  const temporalCalls = new InFlight();
  const authenticator = databaseAuthenticator(db, { adminKey: env.FLIGHTDECK_ADMIN_KEY, tenantId: env.FLIGHTDECK_DEFAULT_TENANT });
  const presenter = { temporalUiUrl: env.TEMPORAL_UI_URL, namespace: env.TEMPORAL_NAMESPACE };
  const notifier = new EventNotifier(env.DATABASE_URL, log);
  await notifier.start();
  const guards = {
    rateLimiter: new PostgresRateLimiter(db, env.FLIGHTDECK_RATE_LIMIT_PER_MINUTE, log),
    allowedOrigins: new Set(env.FLIGHTDECK_ALLOWED_ORIGINS),
  };

  const composio = env.COMPOSIO_API_KEY
    ? createComposioSdk({ apiKey: env.COMPOSIO_API_KEY, baseUrl: env.COMPOSIO_BASE_URL, toolkits: env.COMPOSIO_TOOLKITS })
    : null;
  const connectionPoller = startConnectionPoller({ db, temporal, temporalCalls, composio, log }, env.COMPOSIO_CONNECTION_POLL_MS);
  const hub = new StreamHub({
    db,
    localAppends: eventLogOf(db).localAppends,
    notifier,
    authenticator,
    presenter,
    log,
    ...guards,
    maxBufferedBytes: env.FLIGHTDECK_WS_MAX_BUFFERED_BYTES,
    maxSubscriptions: env.FLIGHTDECK_WS_MAX_SUBSCRIPTIONS,
    pageMaxBytes: env.FLIGHTDECK_EVENTS_PAGE_MAX_BYTES,
    maxConnectionsPerKey: env.FLIGHTDECK_WS_MAX_CONNECTIONS_PER_KEY,
  });
  // Aborted first on close: MCP calls still waiting (wait_for_run) answer, so the server can close.
  const shutdown = new AbortController();
  const app = createApp({
    composio,
    db,
    temporal,
    temporalCalls,
    tools,
    mcpServers: {
      db,
      sealer: createSecretSealer(env.FLIGHTDECK_PAYLOAD_KEYS),
      installationServers: new Set(Object.keys(env.FLIGHTDECK_MCP_SERVERS)),
      networkPolicy: env.FLIGHTDECK_HTTP_ALLOW,
      onChange: (tenantId) => tools.invalidateTenant(tenantId),
    },
    ...runStartSettings(env),
    definitions,
    eagerStart: workerConnection !== undefined,
    authenticator,
    log,
    ...guards,
    tracer: tracing?.tracer,
    payloadCodec,
    metricsToken: env.FLIGHTDECK_METRICS_TOKEN,
    eventsPageMaxBytes: env.FLIGHTDECK_EVENTS_PAGE_MAX_BYTES,
    ...presenter,
    runFollower: hub,
    runStreams: hub,
    shutdown: shutdown.signal,
  });
  if (env.FLIGHTDECK_METRICS_TOKEN === undefined) log.warn(openMetricsWarning);
  // The combined process's worker says it too (worker/boot.ts): one line from each.
  if (env.FLIGHTDECK_SIGNAL_KEYS.length === 0 && !workerConnection) log.warn(unsignedSignalsWarning);
  const server = createServer(app);
  hub.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.API_PORT, env.API_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    server,
    hub,
    url: `http://127.0.0.1:${port}`,
    async close() {
      // Stop accepting, tell ws clients to resume elsewhere, then release connections.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown.abort();
      await hub.close();
      server.closeIdleConnections();
      await closed;
      await connectionPoller.stop();
      await notifier.stop();
      await temporalCalls.drain();
      if (!workerConnection) await connection.close();
      await tracing?.shutdown();
    },
  };
}
