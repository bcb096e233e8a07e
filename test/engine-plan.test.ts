import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import { saveHistoryFixture } from './history-fixtures';
import { eventsOf, startRun, typesOf, waitForEnd, waitForEvents, expectEventTypes } from './run-helpers';
import { startTestStack, type TestStack } from './stack';
import { sleep } from './wait';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);

/** A small HTTP peer for builtin.http_request: fixed statuses, and a 429-once route with Retry-After. */
async function startHttpPeer(): Promise<{ url: string; close(): Promise<void> }> {
  const seen = new Set<string>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://peer');
    if (url.pathname.startsWith('/status/')) {
      response.writeHead(Number(url.pathname.split('/')[2]), { 'content-type': 'application/json' }).end('{"error":"scripted"}');
    } else if (url.pathname === '/rate-limited-once') {
      const key = url.searchParams.get('key') ?? '';
      if (seen.has(key)) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, key }));
      } else {
        seen.add(key);
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"slow down"}');
      }
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const maxToolOutputBytes = 64 * 1024;

describe('plan runs on the real dev server', () => {
  let stack: TestStack;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  beforeAll(async () => {
    [stack, peer] = await Promise.all([
      startTestStack({ env: { FLIGHTDECK_HTTP_ALLOW: '127.0.0.1', FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES: String(maxToolOutputBytes) } }),
      startHttpPeer(),
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    await peer?.close();
  });

  it('refuses a tool output past FLIGHTDECK_TOOL_OUTPUT_MAX_BYTES: the call fails, not retried, and the output is never stored', async () => {
    const padding = 'y'.repeat(maxToolOutputBytes + 1000);
    const runId = await startRun(stack, { plan: { steps: [{ id: 'big', tool: 'builtin.echo', args: { padding } }] } });
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe('failed');
    const events = await eventsOf(stack, runId);
    const failed = events.filter((event) => event.type === 'tool.call.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ error: { errorClass: 'OutputTooLarge', retryable: false } });
    expect(events.some((event) => event.type === 'tool.call.succeeded')).toBe(false);
    const stored = await stack
      .db('run_events')
      .where({ run_id: runId })
      .whereNot({ type: 'tool.call.started' })
      .whereNot({ type: 'run.created' })
      .select('data');
    expect(JSON.stringify(stored)).not.toContain(padding);
  });

  it('runs steps in order, passing input and earlier outputs through templates', async () => {
    const runId = await startRun(stack, {
      input: { user: { name: 'Ada' } },
      plan: {
        steps: [
          { id: 'greet', tool: 'builtin.echo', args: { text: 'hello ${input.user.name}', n: 2 } },
          { id: 'shape', tool: 'builtin.json_transform', args: { value: '${steps.greet.output}', pick: { message: 'text', count: 'n' } } },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'run.completed',
    ]);
    expect(dataOf(events, 'run.completed')[0].output).toEqual({ greet: { text: 'hello Ada', n: 2 }, shape: { message: 'hello Ada', count: 2 } });
    await saveHistoryFixture('plan-templates', runId);
  });

  it('retries a failing tool with backoff and records every attempt', async () => {
    const runId = await startRun(stack, { plan: { steps: [{ id: 'shaky', tool: 'builtin.flaky', args: { failures: 2 } }] } });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(
      events,
      ['tool.call.started', 'tool.call.failed', 'tool.call.started', 'tool.call.failed', 'tool.call.started', 'tool.call.succeeded', 'run.completed'],
      { tail: true },
    );
    const failures = dataOf(events, 'tool.call.failed');
    expect(failures.map((failure) => [failure.attempt, failure.error.errorClass, failure.error.retryable])).toEqual([
      [1, 'FlakyFailure', true],
      [2, 'FlakyFailure', true],
    ]);
    // builtin.flaky backs off from 100 ms, doubling.
    expect(failures.map((failure) => failure.error.nextRetryDelayMs)).toEqual([100, 200]);
    expect(dataOf(events, 'tool.call.succeeded')[0]).toMatchObject({ attempt: 3, output: { attempt: 3, failedFirst: 2 } });
    await saveHistoryFixture('plan-retry', runId);
  });

  it("lets a step override its tool's retry policy, and says when attempts run out", async () => {
    const runId = await startRun(stack, {
      plan: { steps: [{ id: 'shaky', tool: 'builtin.flaky', args: { failures: 5 }, retry: { maxAttempts: 2, initialInterval: '50ms' } }] },
    });
    const events = await waitForEnd(stack, runId);
    const failures = dataOf(events, 'tool.call.failed');
    expect(failures.map((failure) => [failure.attempt, failure.error.retryable, failure.error.nextRetryDelayMs])).toEqual([
      [1, true, 50],
      [2, false, null],
    ]);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({ errorClass: 'FlakyFailure', step: 'shaky' });
  });

  it('fails at once on a non-retryable error (a 4xx) and says why', async () => {
    const runId = await startRun(stack, { plan: { steps: [{ id: 'get', tool: 'builtin.http_request', args: { url: `${peer.url}/status/404` } }] } });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, ['tool.call.started', 'tool.call.failed', 'run.failed'], { tail: true });
    expect(dataOf(events, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'ClientError', retryable: false, nextRetryDelayMs: null });
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({ errorClass: 'ClientError', step: 'get', message: expect.stringContaining('404') });
    const run = await stack.request('GET', `/v1/runs/${runId}`);
    expect(run.body.run).toMatchObject({ status: 'failed', lastError: { errorClass: 'ClientError' } });
    await saveHistoryFixture('plan-client-error', runId);
  });

  it('fails with a clear message when args are invalid, without retrying', async () => {
    const runId = await startRun(stack, {
      input: { url: 'not a url' },
      plan: { steps: [{ id: 'get', tool: 'builtin.http_request', args: { url: '${input.url}' } }] },
    });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.failed')).toHaveLength(1);
    expect(dataOf(events, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'ValidationError', retryable: false });
    expect(dataOf(events, 'tool.call.failed')[0].error.message).toContain('invalid args for builtin.http_request: url');
  });

  it('honours Retry-After from a 429', async () => {
    const runId = await startRun(stack, {
      plan: { steps: [{ id: 'get', tool: 'builtin.http_request', args: { url: `${peer.url}/rate-limited-once?key=${Date.now()}` } }] },
    });
    const events = await waitForEnd(stack, runId);
    const failed = events.find((event) => event.type === 'tool.call.failed')!;
    expect(failed.data).toMatchObject({ attempt: 1, error: { errorClass: 'RateLimited', retryable: true, nextRetryDelayMs: 1000 } });
    const retried = events.filter((event) => event.type === 'tool.call.started')[1]!;
    expect(new Date(retried.at).getTime() - new Date(failed.at).getTime()).toBeGreaterThanOrEqual(900);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    await saveHistoryFixture('plan-retry-after', runId);
  });

  it('cancels gracefully during a heartbeating tool', async () => {
    const runId = await startRun(stack, { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 120 } }] } });
    await waitForEvents(stack, runId, (events) => typesOf(events).includes('tool.call.started'));
    const cancelled = await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(202);
    const events = await waitForEnd(stack, runId, 20_000);
    expectEventTypes(events, ['tool.call.started', 'run.cancel_requested', 'tool.call.failed', 'run.cancelled'], { tail: true });
    expect(dataOf(events, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'Cancelled', retryable: false });
    expect(events.find((event) => event.type === 'run.cancel_requested')).toMatchObject({ data: { reason: 'changed my mind' }, actor: { id: 'admin' } });
    expect((await stack.request('GET', `/v1/runs/${runId}`)).body.run.status).toBe('cancelled');
    expect((await stack.request('POST', `/v1/runs/${runId}/cancel`, {})).status).toBe(409);
    await saveHistoryFixture('plan-cancelled', runId);
  });

  it('keeps FlightdeckStatus current for Temporal visibility queries, and terminates through the API', async () => {
    const runId = await startRun(stack, { tags: ['visible'], plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 120 } }] } });
    await waitForEvents(stack, runId, (events) => typesOf(events).includes('tool.call.started'));
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection });
      const query = `FlightdeckStatus="running" AND FlightdeckTenant="${stack.tenantId}"`;
      let listed: string[] = [];
      for (let i = 0; i < 50 && !listed.includes(runId); i += 1) {
        listed = [];
        for await (const workflow of client.workflow.list({ query })) listed.push(workflow.workflowId);
        if (!listed.includes(runId)) await sleep(200);
      }
      expect(listed).toContain(runId);

      const terminated = await stack.request('POST', `/v1/runs/${runId}/terminate`, { reason: 'ops' });
      expect(terminated.status).toBe(202);
      expect(terminated.body.run.status).toBe('terminated');
      expect((await client.workflow.getHandle(runId).describe()).status.name).toBe('TERMINATED');
      expect(typesOf(await eventsOf(stack, runId)).at(-1)).toBe('run.terminated');
      await saveHistoryFixture('plan-terminated', runId);
    } finally {
      await connection.close();
    }
  });

  it('stops at maxToolCalls and at the deadline, naming the limit', async () => {
    const overCalls = await startRun(stack, {
      limits: { maxToolCalls: 2 },
      plan: { steps: ['a', 'b', 'c'].map((id) => ({ id, tool: 'builtin.echo', args: {} })) },
    });
    const pastDeadline = await startRun(stack, { limits: { deadline: '2s' }, plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 60 } }] } });
    const callEvents = await waitForEnd(stack, overCalls);
    expect(dataOf(callEvents, 'tool.call.succeeded')).toHaveLength(2);
    expect(dataOf(callEvents, 'run.failed')[0].error).toMatchObject({ errorClass: 'LimitExceeded', message: 'maxToolCalls (2) exceeded' });
    const deadlineEvents = await waitForEnd(stack, pastDeadline, 20_000);
    expect(dataOf(deadlineEvents, 'run.failed')[0].error).toMatchObject({ errorClass: 'DeadlineExceeded', message: 'deadline (2s) exceeded' });
    expect(dataOf(deadlineEvents, 'tool.call.failed')[0].error.errorClass).toBe('Cancelled');
    await saveHistoryFixture('plan-max-tool-calls', overCalls);
    await saveHistoryFixture('plan-deadline', pastDeadline);
  });
});

describe('plan validation before any workflow starts', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each([
    [
      'a cycle',
      [
        { id: 'a', tool: 'builtin.echo', args: { x: '${steps.b.output}' } },
        { id: 'b', tool: 'builtin.echo', args: { x: '${steps.a.output}' } },
      ],
      'cycle: a → b → a',
    ],
    [
      'a forward reference',
      [
        { id: 'a', tool: 'builtin.echo', args: { x: '${steps.b.output}' } },
        { id: 'b', tool: 'builtin.echo', args: {} },
      ],
      'runs after it',
    ],
    ['an unknown step', [{ id: 'a', tool: 'builtin.echo', args: { x: '${steps.zz.output}' } }], 'no step "zz"'],
    ['a bad reference', [{ id: 'a', tool: 'builtin.echo', args: { x: '${env.HOME}' } }], 'must start with'],
    ['a missing input', [{ id: 'a', tool: 'builtin.echo', args: { x: '${input.nope}' } }], 'no "input"'],
    ['bad literal args', [{ id: 'a', tool: 'builtin.wait', args: { seconds: 'soon' } }], 'plan.steps.0.args.seconds'],
  ])('rejects %s with 422', async (_label, steps, mentions) => {
    const response = await stack.request('POST', '/v1/runs', { plan: { steps } });
    expect(response.status).toBe(422);
    const problems = (response.body.error.details as Array<{ path: string; message: string }>).map((p) => `${p.path}: ${p.message}`);
    expect(problems.join('\n')).toContain(mentions);
    const runs = await stack.db('runs').where({ tenant_id: stack.tenantId });
    expect(runs).toHaveLength(0);
  });
});
