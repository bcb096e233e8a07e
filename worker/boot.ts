/**
 * What every process that runs a worker does at boot (worker/main.ts, and the combined API +
 * worker process of worker/combined-main.ts): the SDK runtime, then a worker over the env's
 * settings on the connection given.
 */
import { Client } from '@temporalio/client';
import { Runtime, makeTelemetryFilterString, type LogLevel, type NativeConnection, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { loadDefinitionCatalog } from '../lib/definitions';
import type { ToolRegistry } from '../tools/registry';
import { runStartSettings } from '../lib/config';
import { dataConverterOption, payloadCodecFor } from '../lib/payload-codec';
import { unsignedSignalsWarning } from '../lib/signal-signature';
import type { WorkerEnv } from './env';
import type { Tracing } from '../lib/telemetry';
import { createWorker, prebuiltWorkflowBundle } from './create-worker';
import { startMetricsServer } from './metrics-server';
import { PinoSdkLogger } from './pino-sdk-logger';
import { ensureRetentionSchedule } from './retention-schedule';
import { configuredModelProviders, modelProvidersOf } from './model-env';

/** The SDK's own log lines follow LOG_LEVEL, but its routine lifecycle chatter stays out of `npm start`. */
function sdkLogLevel(level: string): LogLevel {
  if (level === 'debug' || level === 'trace') return 'DEBUG';
  return level === 'error' || level === 'fatal' || level === 'silent' ? 'ERROR' : 'WARN';
}

/** Once per process, before the first connection: SDK logs as pino JSON, SDK metrics if asked. */
export function installSdkRuntime(env: Pick<WorkerEnv, 'LOG_LEVEL' | 'TEMPORAL_SDK_METRICS_PORT'>, log: Logger): void {
  Runtime.install({
    logger: new PinoSdkLogger(log, sdkLogLevel(env.LOG_LEVEL)),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(env.TEMPORAL_SDK_METRICS_PORT === undefined ? {} : { metrics: { prometheus: { bindAddress: `0.0.0.0:${env.TEMPORAL_SDK_METRICS_PORT}` } } }),
    },
  });
}

export interface BootedWorker {
  worker: Worker;
  /** The worker's Prometheus endpoint (WORKER_METRICS_PORT), or null. */
  metrics: Server | null;
}

/**
 * The Flightdeck worker on `connection`, configured from the env (task queue, bundle, model,
 * run-start settings for schedule ticks, metrics), and the retention schedule kept in step.
 */
export async function bootWorker(
  env: WorkerEnv,
  deps: { connection: NativeConnection; db: Knex; tools: ToolRegistry; tracing: Tracing | null; log: Logger },
): Promise<BootedWorker> {
  const payloadCodec = payloadCodecFor(env.FLIGHTDECK_PAYLOAD_KEYS);
  // A definition file that does not load stops the boot, naming the file; the bundle gets the same files.
  const definitions = await loadDefinitionCatalog(env.FLIGHTDECK_DEFINITIONS_DIR);
  const worker = await createWorker({
    connection: deps.connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db: deps.db,
    tools: deps.tools,
    model: modelProvidersOf(env),
    workflowBundle: prebuiltWorkflowBundle(env.WORKFLOW_BUNDLE_PATH, { tracing: deps.tracing !== null }),
    tracing: deps.tracing,
    definitionFiles: definitions.files,
    runStart: { ...runStartSettings(env), definitions: definitions.catalog },
    maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    payloadCodec,
    maxToolOutputBytes: env.FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES,
    signalKeys: env.FLIGHTDECK_SIGNAL_KEYS,
    modelPrices: env.FLIGHTDECK_MODEL_PRICES,
  });
  if (env.FLIGHTDECK_SIGNAL_KEYS.length === 0) deps.log.warn(unsignedSignalsWarning);
  deps.log.info({ modelProviders: configuredModelProviders(env) }, 'model providers');
  // After Worker.create has proven the connection and namespace: a failure here stops the boot,
  // since an operator who set FLIGHTDECK_RETENTION_DAYS expects the purge to happen.
  await ensureRetentionSchedule(new Client({ connection: deps.connection, namespace: env.TEMPORAL_NAMESPACE, ...dataConverterOption(payloadCodec) }), {
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    days: env.FLIGHTDECK_RETENTION_DAYS,
    log: deps.log,
  });
  const metrics =
    env.WORKER_METRICS_PORT === undefined ? null : await startMetricsServer(env.WORKER_METRICS_PORT, { token: env.FLIGHTDECK_METRICS_TOKEN, log: deps.log });
  return { worker, metrics };
}
