import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * Prometheus metrics of this process (prom-client's default registry): each Flightdeck process —
 * API, worker — exposes what happens in it, and Prometheus scrapes both.
 */
export const metricsRegistry = register;

export const eventAppendSeconds = new Histogram({
  name: 'flightdeck_event_append_seconds',
  help: 'Time to append a batch of facts to the event log (one transaction), by writer',
  labelNames: ['writer'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
});

export const eventsAppendedTotal = new Counter({
  name: 'flightdeck_events_appended_total',
  help: 'Events stored in the log by this process, by type',
  labelNames: ['type'] as const,
});

export const eventAppendsTotal = new Counter({
  name: 'flightdeck_event_appends_total',
  help: "Appends by how they were written: one_statement (the run row was as this process last saw it), new_run (a run's first facts, inserting its row), known (every fact already stored, as this process knew: nothing sent), locked (the transaction that locks the row), locked_after_miss (locked, after the row had moved on or a fact was stored), in_transaction (joined the caller's transaction, as an approval decision does)",
  labelNames: ['path'] as const,
});

export const runsStartedTotal = new Counter({
  name: 'flightdeck_runs_started_total',
  help: 'Runs started through this API instance',
});

export const runsStartedEagerlyTotal = new Counter({
  name: 'flightdeck_runs_started_eagerly_total',
  help: 'Runs whose first workflow task Temporal handed straight to a worker in this process (eager start)',
});

export const toolCallAttemptsTotal = new Counter({
  name: 'flightdeck_tool_call_attempts_total',
  help: 'Tool-call attempts finished on this worker, by tool and outcome',
  labelNames: ['tool', 'outcome'] as const,
});

export const modelTokensTotal = new Counter({
  name: 'flightdeck_model_tokens_total',
  help: 'Tokens of the model calls this process recorded, by tenant and kind (input, output, cached_input; cached_input is part of input)',
  labelNames: ['tenant', 'kind'] as const,
});

export const modelCostUsdTotal = new Counter({
  name: 'flightdeck_model_cost_usd_total',
  help: 'USD the priced model calls this process recorded cost, by tenant (lib/model-prices.ts)',
  labelNames: ['tenant'] as const,
});

export const modelCallsTotal = new Counter({
  name: 'flightdeck_model_calls_total',
  help: 'Model calls this process recorded, by tenant and whether the model had a price',
  labelNames: ['tenant', 'priced'] as const,
});

/** Counts a stored `model.called` fact: once, as the append that stored it returns it. */
export function countModelCall(
  tenant: string,
  data: { usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number }; costUsd?: number | null },
): void {
  modelTokensTotal.inc({ tenant, kind: 'input' }, data.usage.inputTokens);
  modelTokensTotal.inc({ tenant, kind: 'output' }, data.usage.outputTokens);
  modelTokensTotal.inc({ tenant, kind: 'cached_input' }, data.usage.cachedInputTokens);
  const priced = typeof data.costUsd === 'number';
  modelCallsTotal.inc({ tenant, priced: String(priced) });
  if (priced) modelCostUsdTotal.inc({ tenant }, data.costUsd as number);
}

export const wsClients = new Gauge({ name: 'flightdeck_ws_clients', help: 'Connected ws stream clients' });

export const streamReadsTotal = new Counter({
  name: 'flightdeck_stream_reads_total',
  help: "The ws stream's reads of a run's new events, by where they were answered: memory (this process appended them, or read them for another subscriber) or table",
  labelNames: ['source'] as const,
});

export const streamLagSeconds = new Histogram({
  name: 'flightdeck_stream_lag_seconds',
  help: 'From an event being appended to its frame being sent to a ws client',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
});

export const httpRequestSeconds = new Histogram({
  name: 'flightdeck_http_request_seconds',
  help: 'REST request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
});

/**
 * Whether a scrape may read this process's metrics: it must send FLIGHTDECK_METRICS_TOKEN as
 * `Authorization: Bearer <token>` (compared in constant time); with no token configured, anyone may.
 */
export function scrapeAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const given = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** Logged at start by a process that serves `/metrics` without FLIGHTDECK_METRICS_TOKEN (development only: production refuses to start). */
export const openMetricsWarning = 'FLIGHTDECK_METRICS_TOKEN is unset: /metrics is open to anyone who reaches this port (production requires the token)';

export const metricsUnauthorized = 'send FLIGHTDECK_METRICS_TOKEN as "Authorization: Bearer <token>" to read /metrics';
