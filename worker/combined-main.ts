/**
 * The API and a worker in one process over one NativeConnection (`npm start`'s default): the API's
 * client shares the worker's connection, so a run's first workflow task comes back in the start
 * response (eager start) instead of a trip through the server's matching. SIGINT/SIGTERM stop both:
 * the API stops accepting and drains, the worker drains its in-flight tasks, then the connection,
 * the pool and tracing close.
 */
import { NativeConnection } from '@temporalio/worker';
import { startApiServer } from '../api/server';
import { createToolRegistry } from '../tools/default-registry';
import type { ToolRegistry } from '../tools/registry';
import { databaseTimeouts, eventLogOptions, loadEnvOrExit } from '../lib/config';
import { combinedEnvSchema } from './env';
import { createDb } from '../lib/db';
import { guardAppRole, refuseToStart } from '../lib/db-roles';
import { attachConfiguredEventLog } from '../lib/event-log';
import { createLogger } from '../lib/logger';
import { startTracing } from '../lib/telemetry';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { bootWorker, installSdkRuntime } from './boot';
import { bootFailureOf } from '../lib/definitions';

async function main(): Promise<void> {
  const env = loadEnvOrExit(combinedEnvSchema, 'api+worker');
  const workerLog = createLogger('worker', env.LOG_LEVEL);
  const apiLog = createLogger('api', env.LOG_LEVEL);
  installSdkRuntime(env, workerLog);
  const tracing = startTracing(env, 'flightdeck-worker');
  const db = createDb(env.DATABASE_URL, { log: workerLog, ...databaseTimeouts(env) });
  await guardAppRole(db, { production: env.NODE_ENV === 'production', log: workerLog, refuse: refuseToStart('api+worker') });
  attachConfiguredEventLog(db, eventLogOptions(env), workerLog);
  const connection = await NativeConnection.connect(temporalConnectionOptions(env));
  let tools: ToolRegistry | undefined;
  try {
    tools = await createToolRegistry({ env, log: workerLog, db });
    const { worker, metrics } = await bootWorker(env, { connection, db, tools, tracing, log: workerLog });
    const api = await startApiServer({ env, db, tools, log: apiLog, workerConnection: connection });
    workerLog.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, address: env.TEMPORAL_ADDRESS, tracing: tracing !== null }, 'worker started');
    apiLog.info({ url: api.url, eagerStart: true }, 'api listening');

    // The SDK's runtime shuts the worker down on these signals; the API closes beside it.
    let apiClosed: Promise<void> | undefined;
    const closeApi = (signal: string) => {
      apiLog.info({ signal }, 'api stopping');
      apiClosed ??= api.close();
    };
    process.once('SIGINT', () => closeApi('SIGINT'));
    process.once('SIGTERM', () => closeApi('SIGTERM'));
    try {
      await worker.run();
    } finally {
      // Also when the worker failed: never leave the API serving runs no worker here executes.
      await (apiClosed ?? api.close());
    }
    metrics?.close();
    workerLog.info('worker stopped');
  } finally {
    await tools?.close();
    await connection.close();
    await db.destroy();
    await tracing?.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error('flightdeck api+worker failed:', bootFailureOf(error));
  process.exit(1);
});
