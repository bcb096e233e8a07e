/**
 * A real Flightdeck stack inside a test file: the worker and the API over the run's shared
 * Temporal dev server and Postgres (see global-setup.ts). Nothing of ours is replaced.
 * With `worker: 'none'` only the API runs: the test brings its own worker (a child process it
 * can kill) or needs none.
 */
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import { createToolRegistry } from '../tools/default-registry';
import type { ToolRegistry } from '../tools/registry';
import { startApiServer, type ApiServer } from '../api/server';
import { apiEnvSchema } from '../api/env';
import { parseEnv, runStartSettings } from '../lib/config';
import { workerEnvSchema, type WorkerEnv } from '../worker/env';
import { createDb } from '../lib/db';
import { attachEventLog, createEventLogState } from '../lib/event-log';
import { terminalStatuses } from '../lib/events';
import { FlightdeckClient } from '../lib/api-client';
import { createLogger } from '../lib/logger';
import { payloadCodecFor } from '../lib/payload-codec';
import { startTracing } from '../lib/telemetry';
import { createWorker, prebuiltWorkflowBundle } from '../worker/create-worker';
import { modelProvidersOf } from '../worker/model-env';
import { loadDefinitionCatalog } from '../lib/definitions';

export const testAdminKey = 'test-admin-key-0123456789';

let runtimeInstalled = false;
/** Tests fail tools and runs on purpose: the SDK's warnings about them show only with FLIGHTDECK_TEST_VERBOSE. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger(process.env.FLIGHTDECK_TEST_VERBOSE ? 'WARN' : 'ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
}

export interface TestStack {
  /** The tenant the admin key acts for: each stack is its own, so files sharing the database never meet. */
  tenantId: string;
  apiUrl: string;
  wsUrl: string;
  adminKey: string;
  db: Knex;
  api: ApiServer;
  /** The in-process worker; null with `worker: 'none'`. */
  worker: Worker | null;
  /** The task queue the API starts runs on; an outside worker must poll it. */
  taskQueue: string;
  /** The typed client, with the admin key. */
  client: FlightdeckClient;
  /** Closes the API (ws clients get 1001) and starts it again on the same port, as a redeploy would. */
  restartApi(): Promise<void>;
  /** Calls the API with the admin key; returns status and parsed JSON body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Polls `GET /v1/runs/:id` until the run reaches a terminal status; returns the run as served. */
  waitForRun(runId: string, options?: { timeoutMs?: number }): Promise<any>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  tools?: ToolRegistry;
  taskQueue?: string;
  worker?: 'in-process' | 'none';
  /** Variables over process.env for both processes (e.g. MODEL_BASE_URL of a test double, FLIGHTDECK_REDACT_KEYS). */
  env?: Record<string, string>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  quietRuntime();
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const taskQueue = options.taskQueue ?? `flightdeck-test-${suffix}`;
  // Each stack is its own tenant, so test files sharing the database never see each other's runs.
  const tenantId = `tenant-${suffix}`;
  const baseEnv = { ...process.env, ...options.env, TEMPORAL_TASK_QUEUE: taskQueue };
  const workerEnv = parseEnv(workerEnvSchema, baseEnv);
  const apiEnv = parseEnv(apiEnvSchema, {
    ...baseEnv,
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    FLIGHTDECK_ADMIN_KEY: testAdminKey,
    FLIGHTDECK_DEFAULT_TENANT: tenantId,
  });
  const log = createLogger('test', 'silent');
  // Built from the worker's env, so `env: { COMPOSIO_* }` turns the Composio provider on.
  const db = createDb(workerEnv.DATABASE_URL, { log });
  // As worker/main.ts and api/main.ts do at boot; here the worker and the API share this pool.
  attachEventLog(db, createEventLogState({ redactKeys: workerEnv.FLIGHTDECK_REDACT_KEYS, logKeys: workerEnv.FLIGHTDECK_LOG_KEYS }));
  const tools = options.tools ?? (await createToolRegistry({ env: workerEnv, log, db, composioRetryAfterFailureMs: 200, mcpRetryAfterFailureMs: 200 }));

  const inProcess = options.worker === 'none' ? null : await startInProcessWorker(workerEnv, taskQueue, db, tools);
  let api = await startApiServer({ env: apiEnv, db, tools, log });

  const request: TestStack['request'] = async (method, path, body) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${testAdminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('application/json');
    return { status: response.status, body: text && json ? JSON.parse(text) : text || null };
  };

  return {
    tenantId,
    apiUrl: api.url,
    wsUrl: `${api.url.replace(/^http/, 'ws')}/v1/stream`,
    adminKey: testAdminKey,
    db,
    get api() {
      return api;
    },
    worker: inProcess?.worker ?? null,
    taskQueue,
    client: new FlightdeckClient({ baseUrl: api.url, apiKey: testAdminKey }),
    async restartApi() {
      const port = Number(new URL(api.url).port);
      await api.close();
      api = await startApiServer({ env: { ...apiEnv, API_PORT: port }, db, tools, log });
    },
    request,
    async waitForRun(runId, { timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { status, body } = await request('GET', `/v1/runs/${runId}`);
        if (status === 200 && terminalStatuses.has(body.run.status)) return body.run;
        if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms (last: ${status} ${JSON.stringify(body)})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await api.close();
      await inProcess?.stop();
      // A registry the stack built is the stack's to close (MCP servers' processes end); one passed in is the test's.
      if (!options.tools) await tools.close();
      await db.destroy();
    },
  };
}

async function startInProcessWorker(env: WorkerEnv, taskQueue: string, db: Knex, tools: ToolRegistry) {
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  // As worker/main.ts does: spans over OTLP when the stack's env names an endpoint.
  const tracing = startTracing(env, 'flightdeck-worker');
  const worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue,
    db,
    tools,
    model: modelProvidersOf(env),
    shutdownGraceTime: '1s',
    workflowBundle: prebuiltWorkflowBundle(env.WORKFLOW_BUNDLE_PATH, { tracing: tracing !== null }),
    tracing,
    runStart: { ...runStartSettings(env), definitions: (await loadDefinitionCatalog(env.FLIGHTDECK_DEFINITIONS_DIR)).catalog },
    maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    payloadCodec: payloadCodecFor(env.FLIGHTDECK_PAYLOAD_KEYS),
    maxToolOutputBytes: env.FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES,
    signalKeys: env.FLIGHTDECK_SIGNAL_KEYS,
    modelPrices: env.FLIGHTDECK_MODEL_PRICES,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await tracing?.shutdown();
    },
  };
}

export interface UseTestStackSetup {
  /** Runs before the stack closes (the stack still up): clients, outside workers, schedules to delete. */
  beforeClose?: () => Promise<void> | void;
}

/**
 * One stack for the calling describe block (or file): starts it in beforeAll and closes it in
 * afterAll. Options may be a function, read in beforeAll, when they depend on something an
 * earlier beforeAll started (a test double's URL). The returned stack is usable inside hooks and
 * tests; touching it before its beforeAll ran throws.
 */
export function useTestStack(options: TestStackOptions | (() => TestStackOptions) = {}, setup: UseTestStackSetup = {}): TestStack {
  let started: TestStack | undefined;
  beforeAll(async () => {
    started = await startTestStack(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    try {
      await setup.beforeClose?.();
    } finally {
      await started?.close();
    }
  });
  return new Proxy({} as TestStack, {
    get(_target, property) {
      if (!started) throw new Error(`useTestStack: stack.${String(property)} read before the stack started (use it inside hooks and tests)`);
      return Reflect.get(started, property, started);
    },
  });
}
