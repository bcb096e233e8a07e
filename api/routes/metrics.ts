import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { Gauge } from 'prom-client';
import { AppError } from '../../lib/errors';
import { httpRequestSeconds, metricsRegistry, metricsUnauthorized, scrapeAllowed } from '../../lib/metrics';
import { defineRoute } from '../route-contract';

/** How long the runs-by-status counts are served before a scrape reads them again. */
export const runsGaugeMaxAgeMs = 15_000;

/**
 * Runs by status over all tenants (an operator's view), read from the projection at most once per
 * `maxAgeMs` however often Prometheus scrapes: the GROUP BY scans every run, so scrapes in between
 * are served the counts last read, and scrapes that arrive during a read share it.
 */
export function runsByStatusGauge(db: Knex, maxAgeMs = runsGaugeMaxAgeMs): Gauge {
  const existing = metricsRegistry.getSingleMetric('flightdeck_runs');
  if (existing) metricsRegistry.removeSingleMetric('flightdeck_runs');
  let counts: Array<{ status: string; count: string }> = [];
  let readAt = -Infinity;
  let reading: Promise<void> | null = null;
  const read = async () => {
    counts = await db('runs').select('status').count<Array<{ status: string; count: string }>>('* as count').groupBy('status');
    readAt = Date.now();
  };
  return new Gauge({
    name: 'flightdeck_runs',
    help: `Runs in the database by status (completed and failed are the running totals), read at most every ${maxAgeMs / 1000} s`,
    labelNames: ['status'] as const,
    async collect() {
      if (Date.now() - readAt >= maxAgeMs) {
        reading ??= read().finally(() => {
          reading = null;
        });
        await reading;
      }
      this.reset();
      for (const row of counts) this.set({ status: row.status }, Number(row.count));
    },
  });
}

/** Before every route declared with the `metrics` role: the scrape must carry FLIGHTDECK_METRICS_TOKEN. */
export const requireMetricsToken =
  (token: string | undefined) =>
  (request: Request, _response: Response, next: NextFunction): void => {
    if (!scrapeAllowed(token, request.headers.authorization)) throw new AppError('unauthenticated', metricsUnauthorized);
    next();
  };

/** The route pattern a request matched (`/v1/runs/:id`), once routed; not the raw path, which would explode labels. */
export const routeOf = (request: Request): string => (request.route?.path ? `${request.baseUrl}${String(request.route.path)}` : 'unmatched');

/** Times every REST request by its route pattern. */
export function timeRequests(request: Request, response: Response, next: NextFunction): void {
  const stop = httpRequestSeconds.startTimer();
  response.on('finish', () => {
    stop({ method: request.method, route: routeOf(request), status: String(response.statusCode) });
  });
  next();
}

export const metricsRoutes = [
  defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Runs by status are read at most every 15 s.',
    role: 'metrics',
    success: { status: 200, description: 'the Prometheus text format', contentType: 'text/plain; version=0.0.4' },
    errors: [401],
    handler: async ({ response }) => {
      response.set('content-type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
    },
  }),
];
