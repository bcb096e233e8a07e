/**
 * `ctx.agent` in a run definition on the real stack: the agent loop of agent mode inside a
 * definition, its tools resolved when it is called, its turns and tool calls in the log under its
 * own name. The model is a test double (fake-chat-completions-server.ts), as are the pages the
 * research example fetches (fake-web-pages.ts).
 */
import { Client, Connection } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import { answer, callTools, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { FakeWebPages } from './fake-web-pages';
import { callAs, startRun, typesOf, waitForEnd, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const stepsOf = (events: RunEvent[]) => dataOf(events, 'step.started').map((step) => step.stepId as string);
const failureOf = (events: RunEvent[]) => dataOf(events, 'run.failed')[0]?.error;

describe('ctx.agent in run definitions', () => {
  let model: FakeChatCompletionsServer;
  const web = new FakeWebPages({
    '/status': { contentType: 'text/plain', body: 'All systems are operational.' },
    '/incidents': { contentType: 'application/json', body: JSON.stringify({ open: [{ id: 7, title: 'Slow search' }] }) },
    '/changelog': { contentType: 'text/html', body: '<h1>Changelog</h1><p>Search index rebuilt on Monday.</p>' },
  });
  beforeAll(async () => {
    [model] = await Promise.all([new FakeChatCompletionsServer().start(), web.start()]);
  });
  const stack = useTestStack(() => ({ env: { MODEL_BASE_URL: model.baseUrl, FLIGHTDECK_HTTP_ALLOW: '127.0.0.1' } }));
  afterAll(async () => {
    await Promise.all([model?.stop(), web.stop()]);
  });

  const askAgent = (agent: Record<string, unknown>, options: { echoesFirst?: number; limits?: { maxToolCalls: number } } = {}) =>
    startRun(stack, {
      definition: 'asks-agent',
      input: { agent, echoesFirst: options.echoesFirst ?? 0 },
      ...(options.limits ? { limits: options.limits } : {}),
    });

  it('answers after tool calls, recorded as an agent run’s under the call’s name, and returns text, turns and usage', async () => {
    model.script('d-tools', [callTools({ name: 'builtin__echo', args: { say: 'hi' }, id: 'call_a' }), answer('done')]);
    const runId = await askAgent({ model: 'd-tools', instructions: 'You echo things.', tools: ['builtin.echo'], input: 'please echo hi' });
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).filter((type) => type !== 'tool.call.started' && type !== 'tool.call.succeeded')).toEqual([
      'run.created',
      'run.started',
      'model.called',
      'step.started',
      'model.called',
      'run.completed',
    ]);
    expect(dataOf(events, 'run.completed')[0].output).toEqual({
      text: 'done',
      turns: 2,
      usage: { inputTokens: 22, outputTokens: 14, cachedInputTokens: 0, totalTokens: 36 },
    });
    expect(dataOf(events, 'model.called').map(({ turn, agent }) => ({ turn, agent }))).toEqual([
      { turn: 1, agent: 'agent#1' },
      { turn: 2, agent: 'agent#1' },
    ]);
    expect(dataOf(events, 'step.started')).toEqual([{ stepId: 'agent#1.turn-1.call_a', tool: 'builtin.echo', toolCallId: 'call_a' }]);
    expect(dataOf(events, 'tool.call.succeeded')[0]).toMatchObject({ stepId: 'agent#1.turn-1.call_a', output: { say: 'hi' } });

    const [first, second] = model.requestsFor('d-tools');
    expect(first!.messages).toEqual([
      { role: 'system', content: 'You echo things.' },
      { role: 'user', content: 'please echo hi' },
    ]);
    // The schemas the resolveAgentTools activity found, offered under the model's names.
    expect(first!.tools?.map((tool) => tool.function.name)).toEqual(['builtin__echo']);
    expect(first!.tools?.[0]?.function.parameters).toMatchObject({ type: 'object' });
    expect(JSON.parse(second!.messages.find((message) => message.role === 'tool')!.content!)).toEqual({ say: 'hi' });
  });

  it('keeps two ctx.agent calls of one run apart, even with the same tool call ids, and apart from ctx.tool', async () => {
    for (const name of ['d-first', 'd-second']) {
      model.script(name, [callTools({ name: 'builtin__echo', args: { from: name }, id: 'call_same' }), answer(`${name} answered`)]);
    }
    const runId = await startRun(stack, { definition: 'two-agents', input: { models: ['d-first', 'd-second'] } });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'run.completed')[0].output).toEqual({
      answers: ['d-first answered', 'd-second answered'],
      turns: [2, 2],
      echoed: { beside: true },
    });
    expect(stepsOf(events).sort()).toEqual(['agent#1.turn-1.call_same', 'builtin.echo#1', 'second.turn-1.call_same']);
    // Each call ran: none was taken for the other's (same idempotency key) and deduped away.
    const outputs = dataOf(events, 'tool.call.succeeded').map((call) => [call.stepId, call.output]);
    expect(Object.fromEntries(outputs)).toEqual({
      'agent#1.turn-1.call_same': { from: 'd-first' },
      'second.turn-1.call_same': { from: 'd-second' },
      'builtin.echo#1': { beside: true },
    });
    expect(
      dataOf(events, 'model.called')
        .map((call) => `${call.agent}/${call.turn}`)
        .sort(),
    ).toEqual(['agent#1/1', 'agent#1/2', 'second/1', 'second/2']);
  });

  it('fails the run with InvalidInput naming every unknown tool, before asking the model; a bad request too', async () => {
    const unknown = await askAgent({ model: 'd-never', instructions: 'Never asked.', tools: ['builtin.echo', 'nope.missing', 'builtin.nothing'] });
    const events = await waitForEnd(stack, unknown);
    expect(failureOf(events)).toMatchObject({ errorClass: 'InvalidInput', step: 'agent#1' });
    expect(failureOf(events).message).toBe(
      'ctx.agent (agent#1): unknown tool "nope.missing" (GET /v1/tools lists them); unknown tool "builtin.nothing" (GET /v1/tools lists them)',
    );
    expect(typesOf(events)).not.toContain('model.called');

    const bad = await askAgent({ model: 'd-never', tools: ['builtin.echo'], approvalRequired: ['builtin.wait'] });
    const badEvents = await waitForEnd(stack, bad);
    expect(failureOf(badEvents)).toMatchObject({ errorClass: 'InvalidInput' });
    expect(failureOf(badEvents).message).toMatch(/^ctx\.agent: bad request: .*instructions/s);
    const notOwn = await askAgent({ model: 'd-never', instructions: 'x', tools: ['builtin.echo'], approvalRequired: ['builtin.wait'] });
    expect(failureOf(await waitForEnd(stack, notOwn)).message).toBe('ctx.agent (agent#1): "builtin.wait" is not one of the agent\'s tools');
    expect(model.requestsFor('d-never')).toEqual([]);
  });

  it('refuses a tool outside its list, recorded under the call’s name, and tells the model', async () => {
    model.script('d-refused', [callTools({ name: 'builtin__wait', args: { seconds: 300 }, id: 'call_wait' }), answer('I will not wait')]);
    const runId = await askAgent({ model: 'd-refused', instructions: 'Echo only.', tools: ['builtin.echo'], step: 'careful' });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.refused')).toEqual([
      { turn: 1, agent: 'careful', toolCallId: 'call_wait', name: 'builtin__wait', reason: 'not_allowed', allowedTools: ['builtin.echo'] },
    ]);
    expect(typesOf(events)).not.toContain('step.started');
    expect(dataOf(events, 'run.completed')[0].output).toMatchObject({ text: 'I will not wait' });
    const toolReply = model.requestsFor('d-refused')[1]!.messages.find((message) => message.role === 'tool');
    expect(JSON.parse(toolReply!.content!)).toEqual({ error: 'tool "builtin__wait" is not allowed in this run' });
  });

  it('fails at maxTurns when the model never answers, naming the call', async () => {
    model.script('d-loop', [], callTools({ name: 'builtin__echo', args: { again: true } }));
    const runId = await askAgent({ model: 'd-loop', instructions: 'Loop.', tools: ['builtin.echo'], maxTurns: 2 });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'model.called')).toHaveLength(2);
    expect(failureOf(events)).toMatchObject({
      errorClass: 'LimitExceeded',
      message: 'agent#1: maxTurns (2) reached without a final answer',
      step: 'agent#1',
    });
  });

  it('counts limits.maxToolCalls across ctx.tool and ctx.agent', async () => {
    model.script('d-limit', [
      callTools({ name: 'builtin__echo', args: { n: 3 }, id: 'call_3' }),
      callTools({ name: 'builtin__echo', args: { n: 4 }, id: 'call_4' }),
      answer('not reached'),
    ]);
    const runId = await askAgent({ model: 'd-limit', instructions: 'Echo twice.', tools: ['builtin.echo'] }, { echoesFirst: 2, limits: { maxToolCalls: 3 } });
    const events = await waitForEnd(stack, runId);
    expect(failureOf(events)).toMatchObject({ errorClass: 'LimitExceeded', message: 'maxToolCalls (3) exceeded' });
    expect(dataOf(events, 'tool.call.succeeded').map((call) => call.stepId)).toEqual(['builtin.echo#1', 'builtin.echo#2', 'agent#1.turn-1.call_3']);
  });

  it('gates tools as agent mode does: approvalRequired waits for a decision, then the call runs', async () => {
    model.script('d-gated', [callTools({ name: 'builtin__echo', args: { send: 'mail' }, id: 'call_gate' }), answer('sent')]);
    const runId = await askAgent({ model: 'd-gated', instructions: 'Send.', tools: ['builtin.echo'], approvalRequired: ['builtin.echo'], step: 'mailer' });
    const waiting = await waitForEvents(stack, runId, (events) => typesOf(events).includes('approval.requested'));
    const approvalId = `${runId}:mailer.turn-1.call_gate`;
    expect(dataOf(waiting, 'approval.requested')[0]).toMatchObject({ approvalId, tool: 'builtin.echo', args: { send: 'mail' } });
    expect(typesOf(waiting)).not.toContain('tool.call.started');
    // The admin started the run; self-approval is off, so another approver decides.
    const approver = (await stack.request('POST', '/v1/admin/keys', { name: 'agent-approver', role: 'approver' })).body.key as string;
    const decided = await callAs(stack, approver, 'POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(approvalId)}`, { decision: 'approve' });
    expect(decided.status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'run.completed')[0].output).toMatchObject({ text: 'sent', turns: 2 });
    expect(dataOf(events, 'tool.call.succeeded')[0]).toMatchObject({ stepId: 'mailer.turn-1.call_gate', output: { send: 'mail' } });
  });

  it('applies the installation’s agent-mode gates (builtin.http_request), and a cancel ends the run while it waits', async () => {
    model.script('d-fetch', [callTools({ name: 'builtin__http_request', args: { url: web.url('/status') }, id: 'call_fetch' })]);
    const runId = await askAgent({ model: 'd-fetch', instructions: 'Fetch.', tools: ['builtin.http_request'] });
    const waiting = await waitForEvents(stack, runId, (events) => typesOf(events).includes('approval.requested'));
    expect(dataOf(waiting, 'approval.requested')[0]).toMatchObject({ approvalId: `${runId}:agent#1.turn-1.call_fetch`, tool: 'builtin.http_request' });
    expect((await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'enough' })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.cancelled');
    expect(typesOf(events)).not.toContain('tool.call.started');
  });

  it('runs the research example: three fetches at once, then the summarizing agent answers from them', async () => {
    model.script('d-research', [
      callTools({ name: 'builtin__json_transform', args: { value: { open: [{ id: 7, title: 'Slow search' }] }, path: 'open.0.title' }, id: 'call_pick' }),
      answer('Search was slow [2]; the index was rebuilt [3]; all else is up [1].'),
    ]);
    const sources = ['/status', '/incidents', '/changelog'].map((path) => web.url(path));
    const runId = await startRun(stack, { definition: 'research', input: { question: 'How is search doing?', sources, model: 'd-research' } });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'run.completed')[0]?.output).toEqual({
      answer: 'Search was slow [2]; the index was rebuilt [3]; all else is up [1].',
      sources: sources.map((url, index) => ({ source: index + 1, url, status: 200 })),
      turns: 2,
      usage: { inputTokens: 22, outputTokens: 14, cachedInputTokens: 0, totalTokens: 36 },
    });
    expect(stepsOf(events).sort()).toEqual(['builtin.http_request#1', 'builtin.http_request#2', 'builtin.http_request#3', 'summarize.turn-1.call_pick']);
    expect(dataOf(events, 'tool.call.succeeded').find((call) => call.stepId === 'summarize.turn-1.call_pick')?.output).toBe('Slow search');
    // The three fetches were scheduled by one workflow task: none waited for another (consecutive events in Temporal's history).
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const history = await new Client({ connection }).workflow.getHandle(runId).fetchHistory();
      const fetches = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'executeTool');
      expect(fetches.map((event) => Number(event.eventId) - Number(fetches[0]!.eventId))).toEqual([0, 1, 2]);
    } finally {
      await connection.close();
    }
    const first = model.requestsFor('d-research')[0]!;
    const asked = JSON.parse(first.messages.find((message) => message.role === 'user')!.content!);
    expect(asked.question).toBe('How is search doing?');
    expect(asked.sources.map((source: { body: unknown }) => source.body)).toEqual([
      'All systems are operational.',
      { open: [{ id: 7, title: 'Slow search' }] },
      '<h1>Changelog</h1><p>Search index rebuilt on Monday.</p>',
    ]);
    expect(first.tools?.map((tool) => tool.function.name)).toEqual(['builtin__json_transform']);
  });
});
