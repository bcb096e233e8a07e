import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { z } from 'zod';

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key2=value2`, as the OpenTelemetry spec writes it. */
const otlpHeaders = z
  .string()
  .default('')
  .transform((value, context) => {
    const headers: Record<string, string> = {};
    for (const pair of value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const at = pair.indexOf('=');
      if (at <= 0) {
        context.addIssue({ code: 'custom', message: `"${pair.split('=')[0]}…" is not key=value` });
        continue;
      }
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    }
    return headers;
  })
  .describe('Headers sent with every OTLP export, `key=value,key2=value2` (values URL-decoded).');

/** The OpenTelemetry variables the API and the worker read (names from the OpenTelemetry spec). */
export const telemetryShape = {
  /** OTLP/HTTP base URL (`http://collector:4318`); spans go to `<it>/v1/traces`. Unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .preprocess((value) => (value === '' ? undefined : value), z.string().trim().url().optional())
    .describe('OTLP/HTTP base URL (`http://collector:4318`); spans go to `<it>/v1/traces`. Unset: tracing off.'),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders,
  /** Default per process: `flightdeck-api`, `flightdeck-worker`. */
  OTEL_SERVICE_NAME: z
    .preprocess((value) => (value === '' ? undefined : value), z.string().trim().min(1).max(200).optional())
    .describe('Service name on exported spans; unset: `flightdeck-api` or `flightdeck-worker`.'),
};

export interface TelemetryEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_HEADERS: Record<string, string>;
  OTEL_SERVICE_NAME?: string;
}

/** One process's tracing: a tracer, and the processor and resource the workflow span sink exports through. */
export interface Tracing {
  tracer: otel.Tracer;
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

let contextInstalled = false;
/**
 * Trace context has to flow through `await`s (HTTP span → Temporal client call) and into Temporal
 * headers, which the Temporal interceptors do through the global context manager and propagator.
 * Installed once per process, and only when tracing is on; tracers stay per component.
 */
function installContextPropagation(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Tracing over OTLP/HTTP (JSON) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; null (nothing installed, no cost) otherwise. */
export function startTracing(env: TelemetryEnv, defaultServiceName: string): Tracing | null {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  installContextPropagation();
  const resource = new Resource({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? defaultServiceName, [ATTR_SERVICE_VERSION]: '0.1.0' });
  const exporter = new OTLPTraceExporter({
    url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    headers: env.OTEL_EXPORTER_OTLP_HEADERS,
  });
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  return {
    tracer: provider.getTracer('flightdeck'),
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Client interceptors for any Temporal client that starts runs (the API's, and the worker's for
 * schedule ticks), so the run's workflow spans join the caller's trace.
 */
export const runStartClientInterceptors = (tracing: Tracing | null): ClientInterceptors =>
  tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : {};
