import { NativeConnection } from '@temporalio/worker';
import { createToolRegistry } from '../tools/default-registry';
import type { ToolRegistry } from '../tools/registry';
import { databaseTimeouts, eventLogOptions, loadEnvOrExit } from '../lib/config';
import { workerEnvSchema } from './env';
import { createDb } from '../lib/db';
import { guardAppRole, refuseToStart } from '../lib/db-roles';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { attachConfiguredEventLog } from '../lib/event-log';
import { createLogger } from '../lib/logger';
import { startTracing } from '../lib/telemetry';
import { bootWorker, installSdkRuntime } from './boot';
import { bootFailureOf } from '../lib/definitions';

async function main(): Promise<void> {
  const env = loadEnvOrExit(workerEnvSchema, 'worker');
  const log = createLogger('worker', env.LOG_LEVEL);
  installSdkRuntime(env, log);
  const tracing = startTracing(env, 'flightdeck-worker');
  const db = createDb(env.DATABASE_URL, { log, ...databaseTimeouts(env) });
  await guardAppRole(db, { production: env.NODE_ENV === 'production', log, refuse: refuseToStart('worker') });
  attachConfiguredEventLog(db, eventLogOptions(env), log);
  const connection = await NativeConnection.connect(temporalConnectionOptions(env));
  let tools: ToolRegistry | undefined;
  try {
    tools = await createToolRegistry({ env, log, db });
    const { worker, metrics } = await bootWorker(env, { connection, db, tools, tracing, log });
    log.info(
      {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        address: env.TEMPORAL_ADDRESS,
        metricsPort: env.WORKER_METRICS_PORT,
        sdkMetricsPort: env.TEMPORAL_SDK_METRICS_PORT,
        tracing: tracing !== null,
      },
      'worker started',
    );
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks drain (the SDK installs those handlers).
    await worker.run();
    metrics?.close();
    log.info('worker stopped');
  } finally {
    // MCP servers' connections close (stdio servers' processes end) once no call needs them.
    await tools?.close();
    await connection.close();
    await db.destroy();
    await tracing?.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error('flightdeck worker failed:', bootFailureOf(error));
  process.exit(1);
});
