import { Client, Connection } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import { answer, callTools, FakeChatCompletionsServer, httpError } from './fake-chat-completions-server';
import { saveHistoryFixture } from './history-fixtures';
import { startRun, typesOf, waitForEnd, waitForEvents, expectEventTypes } from './run-helpers';
import { useTestStack } from './stack';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);

describe('agent runs against an OpenAI-compatible model (test double)', () => {
  let model: FakeChatCompletionsServer;
  beforeAll(async () => {
    model = await new FakeChatCompletionsServer().start();
  });
  const stack = useTestStack(() => ({ env: { MODEL_BASE_URL: model.baseUrl, MODEL_API_KEY: 'test-model-key', FLIGHTDECK_HISTORY_EVENTS_LIMIT: '60' } }));
  afterAll(async () => {
    await model?.stop();
  });

  it('loops model → tool → model, retrying the model on 429 (Retry-After) and 500, and records token usage', async () => {
    model.script('m-tools', [httpError(429, '1'), httpError(500), callTools({ name: 'builtin__echo', args: { say: 'hi' } }), answer('done')]);
    const runId = await startRun(stack, {
      input: 'please echo hi',
      agent: { model: 'm-tools', instructions: 'You echo things.', tools: ['builtin.echo'] },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'model.called',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'model.called',
      'run.completed',
    ]);
    const calls = dataOf(events, 'model.called');
    expect(calls[0]).toMatchObject({
      turn: 1,
      usage: { inputTokens: 11, outputTokens: 7, cachedInputTokens: 0, totalTokens: 18 },
      toolCalls: [{ name: 'builtin__echo' }],
    });
    expect(calls[1]).toMatchObject({ turn: 2, content: 'done', finishReason: 'stop' });
    expect(dataOf(events, 'run.completed')[0].output).toBe('done');

    const requests = model.requestsFor('m-tools');
    expect(requests).toHaveLength(4);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900); // Retry-After: 1
    expect(requests[0]!.authorization).toBe('Bearer test-model-key');
    expect(requests[0]!.messages).toEqual([
      { role: 'system', content: 'You echo things.' },
      { role: 'user', content: 'please echo hi' },
    ]);
    expect(requests[0]!.tools?.map((tool) => tool.function.name)).toEqual(['builtin__echo']);
    const toolReply = requests[3]!.messages.find((message) => message.role === 'tool');
    expect(JSON.parse(toolReply!.content!)).toEqual({ say: 'hi' });
    await saveHistoryFixture('agent-tools', runId);
  });

  it('fails at maxTurns when the model never answers', async () => {
    model.script('m-loop', [], callTools({ name: 'builtin__echo', args: { again: true } }));
    const runId = await startRun(stack, { agent: { model: 'm-loop', instructions: 'Loop.', tools: ['builtin.echo'], maxTurns: 2 } });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'model.called')).toHaveLength(2);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({ errorClass: 'LimitExceeded', message: 'maxTurns (2) reached without a final answer' });
    await saveHistoryFixture('agent-max-turns', runId);
  });

  it('chats: messages reach a conversational run, and a long conversation continues as new with its transcript', async () => {
    const replies = ['hello', 'reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5'];
    model.script('m-chat', replies.map(answer));
    const runId = await startRun(stack, {
      agent: { model: 'm-chat', instructions: 'Chat.', tools: [], conversational: true, idleTimeout: '1m' },
    });
    await waitForEvents(stack, runId, (events) => dataOf(events, 'model.called').length === 1);
    for (let index = 1; index <= 5; index += 1) {
      const sent = await stack.request('POST', `/v1/runs/${runId}/messages`, { text: `message ${index}` });
      expect(sent.status).toBe(202);
      await waitForEvents(stack, runId, (events) => dataOf(events, 'model.called').length === index + 1);
    }
    const events = await waitForEvents(stack, runId, (all) => dataOf(all, 'message.received').length === 5);
    expect(dataOf(events, 'message.received').map((message) => message.text)).toEqual([1, 2, 3, 4, 5].map((n) => `message ${n}`));
    expect(events.filter((event) => event.type === 'message.received').every((event) => event.actor?.id === 'admin')).toBe(true);
    expect(dataOf(events, 'model.called').map((call) => call.turn)).toEqual([1, 2, 3, 4, 5, 6]);

    // The last model call saw the whole conversation, although the workflow continued as new.
    const last = model.requestsFor('m-chat').at(-1)!;
    expect(last.messages.filter((message) => message.role === 'user').map((message) => message.content)).toEqual([1, 2, 3, 4, 5].map((n) => `message ${n}`));
    expect(last.messages.filter((message) => message.role === 'assistant').map((message) => message.content)).toEqual(replies.slice(0, 5));
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const description = await new Client({ connection }).workflow.getHandle(runId).describe();
      expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
    } finally {
      await connection.close();
    }

    expect((await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'done chatting' })).status).toBe(202);
    const ended = await waitForEnd(stack, runId);
    expectEventTypes(ended, ['run.cancel_requested', 'run.cancelled'], { tail: true });
    // seq stays gapless across continue-as-new.
    expect(ended.map((event) => event.seq)).toEqual(ended.map((_, index) => index + 1));
    await saveHistoryFixture('agent-chat-first-run', runId, { firstRun: true });
    await saveHistoryFixture('agent-chat-last-run', runId);
  });

  it('gates an agent tool listed in approvalRequired; a rejection goes back to the model', async () => {
    model.script('m-gated', [callTools({ name: 'builtin__echo', args: { send: 'email' }, id: 'call_gate' }), answer('understood, not sending')]);
    const runId = await startRun(stack, {
      agent: { model: 'm-gated', instructions: 'Send things.', tools: ['builtin.echo'], approvalRequired: ['builtin.echo'] },
    });
    await waitForEvents(stack, runId, (events) => typesOf(events).includes('approval.requested'));
    const approvalId = `${runId}:turn-1.call_gate`;
    const rejected = await stack.request('POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(approvalId)}`, { decision: 'reject', comment: 'no emails' });
    expect(rejected.status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events)).not.toContain('tool.call.started');
    expect(dataOf(events, 'run.completed')[0].output).toBe('understood, not sending');
    const toolReply = model.requestsFor('m-gated')[1]!.messages.find((message) => message.role === 'tool');
    expect(JSON.parse(toolReply!.content!)).toEqual({ error: 'a human rejected this call', comment: 'no emails' });
    await saveHistoryFixture('agent-approval-rejected', runId);
  });

  it('refuses messages to plan runs', async () => {
    const runId = await startRun(stack, { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 30 } }] } });
    const sent = await stack.request('POST', `/v1/runs/${runId}/messages`, { text: 'hi' });
    expect(sent.status).toBe(409);
    await stack.request('POST', `/v1/runs/${runId}/cancel`, {});
    await waitForEnd(stack, runId);
  });
});
