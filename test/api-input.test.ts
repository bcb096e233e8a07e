import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

const onePlan = { plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } }] } };

function expectErrorShape(body: any, code: string): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ code, message: expect.any(String), details: body.error.details ?? null });
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe('bad input gets a clear 4xx and writes nothing', () => {
  const stack = useTestStack();

  const countRuns = async () => Number((await stack.db('runs').where({ tenant_id: stack.tenantId }).count<{ count: string }[]>('* as count'))[0]?.count);

  it.each([
    ['an empty body', {}, 'a run spec needs exactly one of'],
    ['both plan and agent', { ...onePlan, agent: { model: 'm', instructions: 'i', tools: [] } }, 'exactly one of'],
    ['an unknown field', { ...onePlan, surprise: 1 }, 'surprise'],
    ['a bad step id', { plan: { steps: [{ id: '1x', tool: 'builtin.echo', args: {} }] } }, 'plan.steps.0.id'],
    ['duplicate step ids', { plan: { steps: [onePlan.plan.steps[0], onePlan.plan.steps[0]] } }, 'duplicate step id'],
    ['a malformed tool name', { plan: { steps: [{ id: 'a', tool: 'echo', args: {} }] } }, 'plan.steps.0.tool'],
    ['a bad duration', { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {}, timeout: 'soon' }] } }, 'duration'],
    ['a duration over a year', { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {}, timeout: '100000000d' }] } }, 'must be at most 365d'],
    [
      'a retry interval over a year',
      { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {}, retry: { initialInterval: '366d' } }] } },
      'plan.steps.0.retry.initialInterval',
    ],
  ])('rejects %s with 400 validation_failed', async (_label, body, mentions) => {
    const before = await countRuns();
    const response = await stack.request('POST', '/v1/runs', body);
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 'validation_failed');
    expect(JSON.stringify(response.body.error)).toContain(mentions);
    expect(await countRuns()).toBe(before);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const response = await stack.request('POST', '/v1/runs', '{"plan": ');
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 'validation_failed');
  });

  it('rejects a body nested too deep with 400, on every route, and keeps serving', async () => {
    const before = await countRuns();
    const deep = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);
    const body = `{"plan":{"steps":[{"id":"a","tool":"builtin.echo","args":{"message":${deep(50_000, '"hi"')}}}]}}`;
    for (const path of ['/v1/runs', '/v1/schedules', '/v1/runs/run_unknown/cancel']) {
      const response = await stack.request('POST', path, body);
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_failed');
      expect(response.body.error.message).toContain('nested deeper than');
    }
    const objects = `{"plan":{"steps":[{"id":"a","tool":"builtin.echo","args":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}]}}`;
    expect((await stack.request('POST', '/v1/runs', objects)).status).toBe(400);
    expect(await countRuns()).toBe(before);
    expect((await stack.request('GET', '/v1/me')).status).toBe(200);
  });

  it('rejects a body over the limit with 413 and the error shape', async () => {
    const response = await stack.request('POST', '/v1/runs', { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: { blob: 'x'.repeat(300_000) } }] } });
    expect(response.status).toBe(413);
    expectErrorShape(response.body, 'validation_failed');
  });

  it('rejects an unknown tool with 422 naming the step, before any workflow starts', async () => {
    const before = await countRuns();
    const response = await stack.request('POST', '/v1/runs', { plan: { steps: [{ id: 'a', tool: 'builtin.nope', args: {} }] } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details).toEqual([{ path: 'plan.steps.0.tool', message: expect.stringContaining('builtin.nope') }]);
    expect(await countRuns()).toBe(before);
  });

  it('answers 404 for an unknown run and its events', async () => {
    for (const path of ['/v1/runs/run_unknown', '/v1/runs/run_unknown/events']) {
      const response = await stack.request('GET', path);
      expect(response.status).toBe(404);
      expectErrorShape(response.body, 'not_found');
    }
  });

  it('answers 400 for bad query parameters', async () => {
    for (const path of ['/v1/runs?limit=0', '/v1/runs?limit=abc', '/v1/runs?cursor=garbage', '/v1/runs?what=1']) {
      const response = await stack.request('GET', path);
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_failed');
    }
  });

  it('answers 401 without a valid key, and 404 JSON for unknown routes', async () => {
    const missing = await fetch(`${stack.apiUrl}/v1/runs`);
    expect(missing.status).toBe(401);
    expectErrorShape(await missing.json(), 'unauthenticated');
    const wrong = await fetch(`${stack.apiUrl}/v1/runs`, { headers: { authorization: 'Bearer not-the-key' } });
    expect(wrong.status).toBe(401);
    const unknown = await stack.request('GET', '/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 'not_found');
  });

  it('starts a run once per idempotency key: 201, then 200 with the same run, 409 for another spec', async () => {
    const key = `idem-${Date.now()}`;
    const first = await stack.request('POST', '/v1/runs', { ...onePlan, idempotencyKey: key });
    expect(first.status).toBe(201);
    const again = await stack.request('POST', '/v1/runs', { ...onePlan, idempotencyKey: key });
    expect(again.status).toBe(200);
    expect(again.body.run.id).toBe(first.body.run.id);
    const other = await stack.request('POST', '/v1/runs', { ...onePlan, name: 'different', idempotencyKey: key });
    expect(other.status).toBe(409);
    expectErrorShape(other.body, 'conflict');
  });

  it('concurrent POSTs with one idempotency key create exactly one run', async () => {
    const key = `race-${Date.now()}`;
    const responses = await Promise.all(Array.from({ length: 8 }, () => stack.request('POST', '/v1/runs', { ...onePlan, idempotencyKey: key })));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((response) => response.body.run.id)).size).toBe(1);
    const runId = responses[0]?.body.run.id as string;
    const created = await stack.db('run_events').where({ run_id: runId, type: 'run.created' }).count<{ count: string }[]>('* as count');
    expect(Number(created[0]?.count)).toBe(1);
  });

  it('answers bad ws frames with error frames and keeps the connection', async () => {
    const client = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      client.send('not json');
      client.send({ type: 'subscribe' });
      client.send({ type: 'subscribe', runId: 'run_unknown' });
      client.send({ type: 'ping' });
      const frames = await client.waitFor((all) => all.length >= 4);
      expect(frames.map((frame) => (frame.type === 'error' ? frame.error.code : frame.type))).toEqual([
        'validation_failed',
        'validation_failed',
        'not_found',
        'pong',
      ]);
    } finally {
      await client.close();
    }
  });

  it('refuses a ws upgrade without a valid key', async () => {
    await expect(TestStreamClient.connect(stack.wsUrl, 'wrong')).rejects.toThrow(/401/);
  });
});
