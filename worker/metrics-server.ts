import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { AppError } from '../lib/errors';
import { metricsRegistry, metricsUnauthorized, openMetricsWarning, scrapeAllowed } from '../lib/metrics';

/**
 * The worker has no API of its own: this serves its Prometheus metrics (tool-call attempts,
 * appends) at `/metrics`, behind FLIGHTDECK_METRICS_TOKEN when set, and a tokenless `/healthz`.
 */
export async function startMetricsServer(port: number, options: { token: string | undefined; log: Logger; host?: string }): Promise<Server> {
  const { token, log, host = '0.0.0.0' } = options;
  if (token === undefined) log.warn({ port }, openMetricsWarning);
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    if (!scrapeAllowed(token, request.headers.authorization)) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify(new AppError('unauthenticated', metricsUnauthorized).toBody()));
      return;
    }
    metricsRegistry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
