import { z } from 'zod';
import { modelPricesEnv } from '../lib/model-prices';
import { apiEnvSchema, apiServesMetrics } from '../api/env';
import {
  commonShape,
  defaultToolOutputMaxBytes,
  defaultWorkflowTaskSlots,
  logKeysCheck,
  metricsTokenCheck,
  port,
  retentionShape,
  runStartShape,
  withEnvChecks,
} from '../lib/config';
import { signalKeysCheck } from '../lib/signal-signature';
import { composioShape, unpinnedToolkitProblems } from '../tools/composio/composio-config';
import { mcpShape } from '../tools/mcp/mcp-config';
import { modelEnvShape, modelProviderProblems } from './model-env';

/** What a worker process reads (worker/main.ts); lib/config.ts holds the parts every process shares. */
export const workerEnvSchema = withEnvChecks(
  z.object({
    ...commonShape,
    ...runStartShape,
    ...retentionShape,
    /** Serve the worker's Prometheus metrics on this port (unset: off). */
    WORKER_METRICS_PORT: port
      .optional()
      .describe('Port of the worker’s Prometheus endpoint (`/metrics`, behind FLIGHTDECK_METRICS_TOKEN, and `/healthz`; all interfaces); unset: off.'),
    /** Serve the Temporal SDK's own (core) metrics in Prometheus format on this port (unset: off). */
    TEMPORAL_SDK_METRICS_PORT: port.optional().describe('Port where the Temporal SDK serves its own (core) metrics in Prometheus format; unset: off.'),
    /** A prebuilt workflow bundle (production); without it the worker bundles `workflows/` at start. */
    WORKFLOW_BUNDLE_PATH: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('Prebuilt workflow bundle (`npm run build:workflows`); unset: the worker bundles `workflows/` at start.'),
    /**
     * Workflow tasks in progress at once. A run's short tools are local activities inside its workflow
     * task, which stays in progress (holding a slot) until they are done: the SDK's default of 40
     * capped Flightdeck at 40 runs executing at a time (docs/performance.md).
     */
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce
      .number()
      .int()
      .min(2)
      .max(10_000)
      .default(defaultWorkflowTaskSlots)
      .describe('Workflow tasks a worker runs at once (2–10000); a run holds a slot while its short tools run as local activities.'),
    /** A tool output whose JSON passes this many bytes fails its call (OutputTooLarge, not retried) and is not stored. */
    FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(defaultToolOutputMaxBytes)
      .describe('A tool output whose JSON passes this many bytes fails its call with `OutputTooLarge` (not retried) and never enters the event log.'),
    ...modelEnvShape,
    /** Prices of model calls by model id, over the built-in list prices (lib/model-prices.ts). */
    FLIGHTDECK_MODEL_PRICES: modelPricesEnv,
    ...composioShape,
    ...mcpShape,
  }),
  unpinnedToolkitProblems,
  metricsTokenCheck((env) => Boolean(env.WORKER_METRICS_PORT)),
  logKeysCheck,
  signalKeysCheck,
  modelProviderProblems,
);
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/** The combined process (worker/combined-main.ts): the API and a worker, so both sets of variables. */
export const combinedEnvSchema = withEnvChecks(
  z.object({ ...workerEnvSchema.shape, ...apiEnvSchema.shape }),
  unpinnedToolkitProblems,
  apiServesMetrics,
  logKeysCheck,
  signalKeysCheck,
  modelProviderProblems,
);
export type CombinedEnv = z.infer<typeof combinedEnvSchema>;
