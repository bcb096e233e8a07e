import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { createToolRegistry } from '../activities/tools/default-registry';
import { loadEnvOrExit, runStartSettings, workerEnvSchema } from '../lib/config';
import { createDb } from '../lib/db';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { configureLogRedaction } from '../lib/event-log';
import { createLogger } from '../lib/logger';
import { startTracing } from '../lib/telemetry';
import { createWorker } from './create-worker';
import { startMetricsServer } from './metrics-server';
import { PinoSdkLogger } from './pino-sdk-logger';
import { ensureRetentionSchedule } from './retention-schedule';

/** The SDK's own log lines follow LOG_LEVEL, but its routine lifecycle chatter stays out of `npm start`. */
function sdkLogLevel(level: string): LogLevel {
  if (level === 'debug' || level === 'trace') return 'DEBUG';
  return level === 'error' || level === 'fatal' || level === 'silent' ? 'ERROR' : 'WARN';
}

async function main(): Promise<void> {
  const env = loadEnvOrExit(workerEnvSchema, 'worker');
  configureLogRedaction({ extraKeys: env.FLIGHTDECK_REDACT_KEYS });
  const log = createLogger('worker', env.LOG_LEVEL);
  Runtime.install({
    logger: new PinoSdkLogger(log, sdkLogLevel(env.LOG_LEVEL)),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(env.TEMPORAL_SDK_METRICS_PORT === undefined ? {} : { metrics: { prometheus: { bindAddress: `0.0.0.0:${env.TEMPORAL_SDK_METRICS_PORT}` } } }),
    },
  });
  const tracing = startTracing(env, 'flightdeck-worker');
  const db = createDb(env.DATABASE_URL, { log });
  const connection = await NativeConnection.connect(temporalConnectionOptions(env));
  try {
    const workflowBundle = env.WORKFLOW_BUNDLE_PATH ? { codePath: env.WORKFLOW_BUNDLE_PATH } : undefined;
    const worker = await createWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      db,
      tools: await createToolRegistry({ env, log, db }),
      model: { baseUrl: env.MODEL_BASE_URL, apiKey: env.MODEL_API_KEY },
      workflowBundle,
      tracing,
      runStart: runStartSettings(env),
    });
    // After Worker.create has proven the connection and namespace: a failure here stops the boot,
    // since an operator who set FLIGHTDECK_RETENTION_DAYS expects the purge to happen.
    await ensureRetentionSchedule(new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }), {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      days: env.FLIGHTDECK_RETENTION_DAYS,
      log,
    });
    const metrics = env.WORKER_METRICS_PORT === undefined ? null : await startMetricsServer(env.WORKER_METRICS_PORT);
    log.info(
      { taskQueue: env.TEMPORAL_TASK_QUEUE, address: env.TEMPORAL_ADDRESS, metricsPort: env.WORKER_METRICS_PORT, sdkMetricsPort: env.TEMPORAL_SDK_METRICS_PORT, tracing: tracing !== null },
      'worker started',
    );
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks drain (the SDK installs those handlers).
    await worker.run();
    metrics?.close();
    log.info('worker stopped');
  } finally {
    await connection.close();
    await db.destroy();
    await tracing?.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error('flightdeck worker failed:', error);
  process.exit(1);
});
