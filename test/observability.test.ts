import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

describe('metrics and the OpenAPI document', () => {
  const stack = useTestStack();

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
      const response = await fetch(`${stack.apiUrl}/metrics`);
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
