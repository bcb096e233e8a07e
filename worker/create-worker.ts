import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import { Client } from '@temporalio/client';
import type { Duration, PayloadCodec } from '@temporalio/common';
import {
  type ActivityInterceptorsFactory,
  type InjectedSink,
  type NativeConnection,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundle,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { Knex } from 'knex';
import type { ModelPrices } from '../lib/model-prices';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createActivities } from '../activities';
import type { ModelProvidersConfig } from '../activities/model-providers';
import { createAnswerStreams } from '../activities/answer-stream';
import { eventLogInterceptor } from '../activities/event-log-interceptor';
import type { ToolRegistry } from '../tools/registry';
import type { RunStartSettings } from '../lib/config';
import { createLogger } from '../lib/logger';
import { dataConverterOption } from '../lib/payload-codec';
import type { SignalKey } from '../lib/signal-signature';
import { runStartClientInterceptors, type Tracing } from '../lib/telemetry';
import { withFlightdeckAlias, workflowEntryFor } from './definitions-bundle';

export const workflowsPath = path.resolve(__dirname, '..', 'workflows', 'index.ts');

/**
 * The OpenTelemetry workflow interceptors go into the bundle only when tracing is on: in the
 * sandbox every workflow evaluates their modules afresh and every activation passes through them,
 * which cost ~20% of the worker's CPU per run and ~9 ms of a 5-step run's latency even with the
 * spans dropped (docs/performance.md). A prebuilt bundle therefore comes in two: the plain one and
 * its tracing twin (`tracingBundlePath`), and a worker loads the one its tracing setting needs.
 */
const tracingInterceptorModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** `npm run replay`'s interceptor, which reports the activities the code schedules (never in a worker's bundle). */
export const replayCallsInterceptorModule = path.resolve(__dirname, '..', 'workflows', 'replay-calls.ts');

/**
 * Bundles `workflows/` and the run definitions once; tests and production reuse the bundle instead
 * of rebuilding it per worker. `replayCalls`: with `npm run replay`'s interceptor (scripts/replay.ts).
 */
export async function buildWorkflowBundle(options: { tracing?: boolean; definitionFiles?: string[]; replayCalls?: boolean } = {}): Promise<WorkflowBundle> {
  const workflowInterceptorModules = [...(options.tracing ? tracingInterceptorModules : []), ...(options.replayCalls ? [replayCallsInterceptorModule] : [])];
  return bundleWorkflowCode({
    workflowsPath: await workflowEntryFor(options.definitionFiles ?? []),
    workflowInterceptorModules,
    logger: quietBundlerLogger,
    webpackConfigHook: withFlightdeckAlias,
  });
}

/** Writes the plain bundle to `bundlePath` and its tracing twin beside it; returns what it wrote. */
export async function writeWorkflowBundles(
  bundlePath: string,
  options: { definitionFiles?: string[] } = {},
): Promise<Array<{ file: string; tracing: boolean; bytes: number }>> {
  await mkdir(path.dirname(bundlePath), { recursive: true });
  const written = [];
  for (const [file, tracing] of [
    [bundlePath, false],
    [tracingBundlePath(bundlePath), true],
  ] as const) {
    const { code } = await buildWorkflowBundle({ tracing, ...options });
    await writeFile(file, code);
    written.push({ file, tracing, bytes: Buffer.byteLength(code) });
  }
  return written;
}

/** Where the tracing twin of a prebuilt bundle lives: `dist/workflow-bundle.js` → `dist/workflow-bundle.tracing.js`. */
export const tracingBundlePath = (bundlePath: string): string => bundlePath.replace(/(\.js)?$/, '.tracing.js');

/**
 * The prebuilt bundle a worker loads for WORKFLOW_BUNDLE_PATH (undefined: it bundles at start):
 * that file, or with tracing on its twin, which must exist (`npm run build:workflows` writes both).
 */
export function prebuiltWorkflowBundle(bundlePath: string | undefined, options: { tracing: boolean }): WorkflowBundleOption | undefined {
  if (!bundlePath || !options.tracing) return bundlePath ? { codePath: bundlePath } : undefined;
  const twin = tracingBundlePath(bundlePath);
  if (!existsSync(twin)) {
    throw new Error(
      `tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT) but the tracing twin of WORKFLOW_BUNDLE_PATH (${bundlePath}) is missing: ${twin}. ` +
        '`npm run build:workflows -- <path>` writes both bundles.',
    );
  }
  return { codePath: twin };
}

export const dropWorkflowSpans: InjectedSink<OpenTelemetryWorkflowExporter> = { export: { fn: () => undefined, callDuringReplay: false } };

/** Activity spans, children of the workflow's span through the activity's Temporal headers. */
const tracingActivityInterceptor =
  (tracing: Tracing): ActivityInterceptorsFactory =>
  (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });

/** Webpack's progress lines are noise in tests and the bench; its warnings and errors are not. */
export const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Knex;
  tools: ToolRegistry;
  model?: ModelProvidersConfig;
  shutdownGraceTime?: Duration;
  /** A prebuilt bundle (tests, production); without one the worker bundles at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Run definition files to bundle when there is no prebuilt bundle (lib/definitions.ts). */
  definitionFiles?: string[];
  /** What runs that schedule ticks start get (`runStartSettings`, as the API applies); default: this task queue, no history limit. */
  runStart?: RunStartSettings;
  /** OpenTelemetry (lib/telemetry.ts); null or unset: no spans leave the worker. */
  tracing?: Tracing | null;
  /** WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (lib/config.ts); unset: the SDK's default. */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** FLIGHTDECK_PAYLOAD_KEYS's codec (lib/payload-codec.ts), for the worker and its client; null or unset: payloads in plaintext. */
  payloadCodec?: PayloadCodec | null;
  /** FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES: a tool output larger than this fails its call and is not stored. */
  maxToolOutputBytes?: number;
  /** FLIGHTDECK_SIGNAL_KEYS: what a run's signals must be signed with; empty or unset: unsigned signals are accepted. */
  signalKeys?: readonly SignalKey[];
  /** FLIGHTDECK_MODEL_PRICES (lib/model-prices.ts); unset: the built-in list prices. */
  modelPrices?: ModelPrices;
}

/** A worker for `agentRun`, whose tool calls pass through the event-log interceptor. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  const tracing = options.tracing ?? null;
  const dataConverter = dataConverterOption(options.payloadCodec ?? null);
  return Worker.create({
    connection: options.connection,
    ...dataConverter,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: await workflowEntryFor(options.definitionFiles ?? []), bundlerOptions: { webpackConfigHook: withFlightdeckAlias } }),
    activities: createActivities({
      db: options.db,
      tools: options.tools,
      model: options.model,
      signalKeys: options.signalKeys ?? [],
      answers: createAnswerStreams(options.db, createLogger('answer-stream')),
      ...(options.modelPrices ? { modelPrices: options.modelPrices } : {}),
      ...(tracing ? { tracer: tracing.tracer } : {}),
      ...(options.runStart?.approvalPolicy ? { approvalPolicy: options.runStart.approvalPolicy } : {}),
      // Schedule ticks start runs over the worker's own connection, on the queue it serves: eagerly.
      runStarter: {
        temporal: new Client({
          connection: options.connection,
          namespace: options.namespace,
          interceptors: runStartClientInterceptors(tracing),
          ...dataConverter,
        }),
        ...(options.runStart ?? { taskQueue: options.taskQueue }),
        eagerStart: true,
      },
    }),
    interceptors: {
      activity: [
        ...(tracing ? [tracingActivityInterceptor(tracing)] : []),
        eventLogInterceptor(options.db, options.tools, { maxOutputBytes: options.maxToolOutputBytes }),
      ],
      ...(options.workflowBundle ? {} : { workflowModules: tracing ? tracingInterceptorModules : [] }),
    },
    sinks: { exporter: tracing ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource) : dropWorkflowSpans },
    // On SIGTERM, in-flight tool calls get this long to finish (and record their outcome) before
    // they are cancelled; what does not finish is retried by Temporal on another worker.
    shutdownGraceTime: options.shutdownGraceTime ?? '20s',
    ...(options.maxConcurrentWorkflowTaskExecutions ? { maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions } : {}),
  });
}
