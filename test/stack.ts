/**
 * A real Flightdeck stack inside a test file: the worker and the API over the run's shared
 * Temporal dev server and Postgres (see global-setup.ts). Nothing of ours is replaced.
 */
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import { createToolRegistry } from '../activities/tools/default-registry';
import type { ToolRegistry } from '../activities/tools/registry';
import { startApiServer, type ApiServer } from '../api/server';
import { apiEnvSchema, parseEnv, workerEnvSchema } from '../lib/config';
import { createDb } from '../lib/db';
import { FlightdeckClient } from '../lib/api-client';
import { createLogger } from '../lib/logger';
import { createWorker } from '../worker/create-worker';

export const testAdminKey = 'test-admin-key-0123456789';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
}

export interface TestStack {
  tenantId: string;
  apiUrl: string;
  wsUrl: string;
  adminKey: string;
  db: Knex;
  api: ApiServer;
  worker: Worker;
  /** The typed client, with the admin key. */
  client: FlightdeckClient;
  /** Closes the API (ws clients get 1001) and starts it again on the same port, as a redeploy would. */
  restartApi(): Promise<void>;
  /** Calls the API with the admin key; returns status and parsed JSON body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  tools?: ToolRegistry;
  taskQueue?: string;
  /** Extra environment for the worker and the API (e.g. MODEL_BASE_URL of a test double). */
  env?: Record<string, string>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  quietRuntime();
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const taskQueue = options.taskQueue ?? `flightdeck-test-${suffix}`;
  // Each stack is its own tenant, so test files sharing the database never see each other's runs.
  const tenantId = `tenant-${suffix}`;
  const workerEnv = parseEnv(workerEnvSchema, { ...process.env, ...options.env, TEMPORAL_TASK_QUEUE: taskQueue });
  const apiEnv = parseEnv(apiEnvSchema, {
    ...process.env,
    ...options.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    FLIGHTDECK_ADMIN_KEY: testAdminKey,
    FLIGHTDECK_DEFAULT_TENANT: tenantId,
  });
  const tools = options.tools ?? createToolRegistry();
  const log = createLogger('test', 'silent');
  const db = createDb(workerEnv.DATABASE_URL, { log });

  const connection = await NativeConnection.connect({ address: workerEnv.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    namespace: workerEnv.TEMPORAL_NAMESPACE,
    taskQueue,
    db,
    tools,
    model: { baseUrl: workerEnv.MODEL_BASE_URL, apiKey: workerEnv.MODEL_API_KEY },
    workflowBundle: workerEnv.WORKFLOW_BUNDLE_PATH ? { codePath: workerEnv.WORKFLOW_BUNDLE_PATH } : undefined,
  });
  const workerRun = worker.run();
  let api = await startApiServer({ env: apiEnv, db, tools, log });

  return {
    tenantId,
    apiUrl: api.url,
    wsUrl: `${api.url.replace(/^http/, 'ws')}/v1/stream`,
    adminKey: testAdminKey,
    db,
    get api() {
      return api;
    },
    worker,
    client: new FlightdeckClient({ baseUrl: api.url, apiKey: testAdminKey }),
    async restartApi() {
      const port = Number(new URL(api.url).port);
      await api.close();
      api = await startApiServer({ env: { ...apiEnv, API_PORT: port }, db, tools, log });
    },
    async request(method, path, body) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${testAdminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await api.close();
      worker.shutdown();
      await workerRun;
      await connection.close();
      await db.destroy();
    },
  };
}
