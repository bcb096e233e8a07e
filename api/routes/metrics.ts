import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { Gauge } from 'prom-client';
import { httpRequestSeconds, metricsRegistry } from '../../lib/metrics';
import { defineRoute } from '../route-contract';

/** Runs by status, read from the projection at scrape time (all tenants: an operator's view). */
export function runsByStatusGauge(db: Knex): Gauge {
  const existing = metricsRegistry.getSingleMetric('flightdeck_runs');
  if (existing) metricsRegistry.removeSingleMetric('flightdeck_runs');
  return new Gauge({
    name: 'flightdeck_runs',
    help: 'Runs in the database by status (completed and failed are the running totals)',
    labelNames: ['status'] as const,
    async collect() {
      const rows = await db('runs').select('status').count<Array<{ status: string; count: string }>>('* as count').groupBy('status');
      this.reset();
      for (const row of rows) this.set({ status: row.status }, Number(row.count));
    },
  });
}

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
    role: 'public',
    success: { status: 200, description: 'the Prometheus text format', contentType: 'text/plain; version=0.0.4' },
    errors: [],
    handler: async ({ response }) => {
      response.set('content-type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
    },
  }),
];
