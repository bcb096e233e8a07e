import * as otel from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { routeOf } from './routes/metrics';

/**
 * An OpenTelemetry SERVER span per HTTP request (`POST /v1/runs`), child of the caller's
 * `traceparent` when it sends one. The request's handlers run inside it, so the Temporal client
 * interceptor puts the workflow start (and so the whole run) into the same trace.
 */
export function traceRequests(tracer: otel.Tracer) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const parent = otel.propagation.extract(otel.ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${request.path}`,
      { kind: otel.SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path } },
      parent,
    );
    response.on('finish', () => {
      const route = routeOf(request);
      span.updateName(`${request.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': response.statusCode });
      if (response.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
      span.end();
    });
    otel.context.with(otel.trace.setSpan(parent, span), next);
  };
}
