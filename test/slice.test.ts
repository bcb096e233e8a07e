import { Client, Connection } from '@temporalio/client';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

const echoPlan = (message: string) => ({
  name: 'hello',
  tags: ['smoke'],
  plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message } }] },
});

const expectedTypes = ['run.created', 'run.started', 'step.started', 'tool.call.started', 'tool.call.succeeded', 'run.completed'];

describe('the walking skeleton, end to end over real HTTP, ws, Temporal and Postgres', () => {
  const stack = useTestStack();

  it('runs a one-step plan and streams its events with seq 1..n', async () => {
    const started = await stack.request('POST', '/v1/runs', echoPlan('hi'));
    expect(started.status).toBe(201);
    const runId: string = started.body.run.id;
    expect(runId).toMatch(/^run_/);
    expect(started.body.run.temporalUrl).toContain(`/workflows/${runId}`);

    const client = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      client.send({ type: 'subscribe', runId, afterSeq: 0 });
      await client.waitFor(() => client.events(runId).some((frame) => frame.event.type === 'run.completed'));
      const events = client.events(runId);
      expect(events.map((frame) => frame.event.type)).toEqual(expectedTypes);
      expect(events.map((frame) => frame.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(events[4]?.event.data).toMatchObject({ stepId: 'say', tool: 'builtin.echo', attempt: 1, output: { message: 'hi' } });
    } finally {
      await client.close();
    }

    const run = await stack.request('GET', `/v1/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.run).toMatchObject({
      id: runId,
      status: 'completed',
      mode: 'plan',
      lastSeq: 6,
      output: { say: { message: 'hi' } },
      toolCalls: { started: 1, succeeded: 1, failed: 0 },
    });

    const tail = await stack.request('GET', `/v1/runs/${runId}/events?afterSeq=3`);
    expect(tail.status).toBe(200);
    expect(tail.body.events.map((event: { seq: number }) => event.seq)).toEqual([4, 5, 6]);

    const list = await stack.request('GET', '/v1/runs?limit=50');
    expect(list.body.runs.map((listed: { id: string }) => listed.id)).toContain(runId);

    // The same run, seen from Temporal: completed, with the status search attribute kept current.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const description = await new Client({ connection }).workflow.getHandle(runId).describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.searchAttributes.FlightdeckStatus).toEqual(['completed']);
      expect(description.searchAttributes.FlightdeckTenant).toEqual([stack.tenantId]);
    } finally {
      await connection.close();
    }
  });

  it('serves the tool catalog and readiness', async () => {
    const tools = await stack.request('GET', '/v1/tools');
    expect(tools.status).toBe(200);
    const echo = tools.body.tools.find((tool: { name: string }) => tool.name === 'builtin.echo');
    expect(echo).toMatchObject({ provider: 'builtin', idempotent: true, requiresApproval: false, inputSchema: { type: 'object' } });

    const ready = await fetch(`${stack.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });

  it('pushes runs-list updates to list subscribers', async () => {
    const client = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      client.send({ type: 'subscribe', runs: { status: ['completed'] } });
      await client.waitFor((frames) => frames.some((frame) => frame.type === 'subscribed'));
      const started = await stack.request('POST', '/v1/runs', { ...echoPlan('list'), name: 'listed' });
      const runId: string = started.body.run.id;
      await client.waitFor((frames) => frames.some((frame) => frame.type === 'run' && (frame.run as { id: string }).id === runId));
      const updates = client.frames.flatMap((frame) => (frame.type === 'run' ? [frame.run as { id: string; status: string }] : []));
      // Filtered by status: only the completed state of the run reaches this subscriber.
      expect(updates.filter((run) => run.id === runId).map((run) => run.status)).toEqual(['completed']);
    } finally {
      await client.close();
    }
  });

  it('resumes a stream from afterSeq with no gap and no duplicate', async () => {
    const started = await stack.request('POST', '/v1/runs', echoPlan('resume'));
    const runId: string = started.body.run.id;
    const first = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    first.send({ type: 'subscribe', runId });
    await first.waitFor(() => first.events(runId).some((frame) => frame.event.type === 'run.completed'));
    await first.close();

    const resumed = await TestStreamClient.connect(`${stack.wsUrl}?token=${stack.adminKey}`);
    resumed.send({ type: 'subscribe', runId, afterSeq: 2 });
    await resumed.waitFor(() => resumed.events(runId).length >= 4);
    expect(resumed.events(runId).map((frame) => frame.seq)).toEqual([3, 4, 5, 6]);
    await resumed.close();
  });
});
