import type { AddressInfo } from 'node:net';
import { apiEnvSchema } from '../api/env';
import { parseEnv } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startMetricsServer } from '../worker/metrics-server';
import { workerEnvSchema } from '../worker/env';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

const metricsToken = 'metrics-token-0123456789';
const scrape = (url: string, token: string | null = metricsToken) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('metrics and the OpenAPI document', () => {
  const stack = useTestStack({ env: { FLIGHTDECK_METRICS_TOKEN: metricsToken } });

  const metricValue = (text: string, series: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : undefined;
  };

  it('exposes Prometheus metrics for runs, tool calls, appends, ws clients and stream lag', async () => {
    const client = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      const runId = await startRun(stack, { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } });
      client.send({ type: 'subscribe', runId });
      await client.waitFor(() => client.events(runId).some((frame) => frame.event.type === 'run.completed'));
      await waitForEnd(stack, runId);
      const response = await scrape(`${stack.apiUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(metricValue(text, 'flightdeck_runs_started_total')).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'flightdeck_runs{status="completed"}')).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'flightdeck_tool_call_attempts_total{tool="builtin.echo",outcome="succeeded"}')).toBeGreaterThanOrEqual(1);
      // One append for the echo step: a short tool's start and outcome are written together after it ran.
      expect(metricValue(text, 'flightdeck_event_append_seconds_count{writer="activity"}')).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'flightdeck_ws_clients')).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'flightdeck_stream_lag_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(text).toContain('flightdeck_http_request_seconds_count{method="POST",route="/v1/runs",status="201"}');
    } finally {
      await client.close();
    }
  });

  it('serves /metrics only with FLIGHTDECK_METRICS_TOKEN, not to API keys', async () => {
    for (const token of [null, 'wrong-token-0123456789', stack.adminKey]) {
      const refused = await scrape(`${stack.apiUrl}/metrics`, token);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
    expect((await scrape(`${stack.apiUrl}/metrics`)).status).toBe(200);
  });

  it('reads runs by status from the database at most once per interval, however often it is scraped', async () => {
    const groupBys: string[] = [];
    const onQuery = (query: { sql: string }) => {
      if (/group by/i.test(query.sql) && /"runs"/.test(query.sql)) groupBys.push(query.sql);
    };
    stack.db.on('query', onQuery);
    try {
      const texts = await Promise.all([1, 2, 3].map(async () => (await scrape(`${stack.apiUrl}/metrics`)).text()));
      for (let index = 0; index < 3; index += 1) texts.push(await (await scrape(`${stack.apiUrl}/metrics`)).text());
      for (const text of texts) expect(text).toContain('flightdeck_runs{status="completed"}');
      expect(groupBys.length).toBeLessThanOrEqual(1);
    } finally {
      stack.db.off('query', onQuery);
    }
  });

  it("guards the worker's metrics port with the same token, and answers /healthz without it", async () => {
    const server = await startMetricsServer(0, { token: metricsToken, log: createLogger('test', 'silent'), host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await scrape(`${url}/metrics`, null)).status).toBe(401);
      expect((await scrape(`${url}/metrics`, 'wrong-token-0123456789')).status).toBe(401);
      expect((await scrape(`${url}/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('refuses to start in production without the token where metrics are served', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/f',
      TEMPORAL_ADDRESS: 'temporal:7233',
      FLIGHTDECK_LOG_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      FLIGHTDECK_SIGNAL_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
    };
    expect(() => parseEnv(apiEnvSchema, { ...production, FLIGHTDECK_ADMIN_KEY: 'k'.repeat(32) })).toThrow(/FLIGHTDECK_METRICS_TOKEN/);
    expect(() => parseEnv(apiEnvSchema, { ...production, FLIGHTDECK_ADMIN_KEY: 'k'.repeat(32), FLIGHTDECK_METRICS_TOKEN: metricsToken })).not.toThrow();
    expect(() => parseEnv(workerEnvSchema, { ...production, WORKER_METRICS_PORT: '9464' })).toThrow(/FLIGHTDECK_METRICS_TOKEN/);
    expect(() => parseEnv(workerEnvSchema, production)).not.toThrow();
  });

  it('documents every route in OpenAPI 3.1, and every documented route exists', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/openapi.json`);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/runs', '/v1/runs/{id}', '/v1/runs/{id}/events', '/v1/runs/{id}/cancel', '/v1/tools', '/v1/admin/keys']),
    );
    expect(JSON.stringify(document.paths['/v1/runs']?.post?.requestBody)).toContain('idempotencyKey');
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const method of Object.keys(methods)) {
        const url = path.replace('{id}', 'does_not_exist');
        const answer = await stack.request(method.toUpperCase(), url, method === 'get' || method === 'delete' ? undefined : {});
        // 404 is fine for an unknown id, never for an unknown route.
        if (answer.status === 404) expect(answer.body?.error?.message).not.toMatch(/^no route for/);
      }
    }
  });
});
