/**
 * Model calls through the AI SDK, against doubles that speak each provider's streaming wire format
 * (fake-chat-completions-server.ts for OpenAI and compatible servers, fake-anthropic-messages-server.ts
 * for Anthropic, fake-gemini-server.ts for Google): first the activity function itself (streamed
 * deltas, errors and their retry decisions), then agent runs on the real stack (Temporal, Postgres).
 */
import { ApplicationFailure } from '@temporalio/common';
import { callModel } from '../activities/call-model';
import type { ModelProvidersConfig } from '../activities/model-providers';
import type { RunEvent } from '../lib/events';
import type { CallModelInput } from '../lib/workflow-contract';
import { answer, answerWithUsage, callTools, dropMidAnswer, FakeChatCompletionsServer, httpError } from './fake-chat-completions-server';
import { FakeAnthropicMessagesServer } from './fake-anthropic-messages-server';
import { FakeGeminiServer } from './fake-gemini-server';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);

const echoTool = {
  type: 'function' as const,
  function: { name: 'builtin__echo', description: 'Echoes its arguments.', parameters: { type: 'object', properties: { say: { type: 'string' } } } },
};
const inputFor = (model: string, extra: Partial<CallModelInput> = {}): CallModelInput => ({
  tenantId: 't',
  runId: 'run_test',
  model,
  messages: [
    { role: 'system', content: 'You echo things.' },
    { role: 'user', content: 'say hi' },
  ],
  tools: [echoTool],
  ...extra,
});

async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('model providers', () => {
  let chat: FakeChatCompletionsServer;
  let anthropic: FakeAnthropicMessagesServer;
  let gemini: FakeGeminiServer;
  beforeAll(async () => {
    [chat, anthropic, gemini] = await Promise.all([
      new FakeChatCompletionsServer().start(),
      new FakeAnthropicMessagesServer().start(),
      new FakeGeminiServer().start(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([chat?.stop(), anthropic?.stop(), gemini?.stop()]);
  });
  const config = (): ModelProvidersConfig => ({
    compatible: { baseUrl: chat.baseUrl, apiKey: 'compat-key' },
    openai: { baseUrl: chat.baseUrl, apiKey: 'openai-key' },
    anthropic: { baseUrl: anthropic.baseUrl, apiKey: 'anthropic-key' },
    google: { baseUrl: gemini.baseUrl, apiKey: 'google-key' },
  });
  const call = (model: string, extra: Partial<CallModelInput> = {}, deltas: string[] = []) =>
    callModel(config(), inputFor(model, extra), new AbortController().signal, { onTextDelta: (text) => deltas.push(text) });

  describe('the callModel activity function', () => {
    const long = 'The quick brown fox jumps over the lazy dog, twice over.';

    it.each(['openai:a-stream', 'compatible:c-stream', 'c-bare-stream'])('%s: streams the answer in deltas whose text is the final message', async (model) => {
      const wire = model.replace(/^\w+:/, '');
      chat.script(wire, [answerWithUsage(long, { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 8 } })]);
      const deltas: string[] = [];
      const result = await call(model, { maxOutputTokens: 77 }, deltas);
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.join('')).toBe(long);
      expect(result).toEqual({
        message: { content: long, toolCalls: [] },
        finishReason: 'stop',
        usage: { inputTokens: 30, outputTokens: 12, cachedInputTokens: 8, totalTokens: 42 },
      });
      const [request] = chat.requestsFor(wire);
      expect(request).toMatchObject({ stream: true, stream_options: { include_usage: true } });
      expect(request!.max_tokens ?? (request as any).max_completion_tokens).toBe(77);
      expect(request!.authorization).toBe(model.startsWith('openai:') ? 'Bearer openai-key' : 'Bearer compat-key');
    });

    it('openai: assembles tool calls from their streamed argument fragments, and sends tool results back', async () => {
      chat.script('a-tools', [callTools({ name: 'builtin__echo', args: { say: 'hi there, friend' }, id: 'call_7' }), answer('done')]);
      const first = await call('openai:a-tools');
      expect(first.message.toolCalls).toEqual([
        { id: 'call_7', type: 'function', function: { name: 'builtin__echo', arguments: '{"say":"hi there, friend"}' } },
      ]);
      expect(first.finishReason).toBe('tool-calls');
      const second = await call('openai:a-tools', {
        messages: [
          ...inputFor('x').messages,
          { role: 'assistant', content: null, tool_calls: first.message.toolCalls },
          { role: 'tool', tool_call_id: 'call_7', content: '{"say":"hi there, friend"}' },
        ],
      });
      expect(second.message.content).toBe('done');
      const sent = chat.requestsFor('a-tools')[1]!.messages;
      expect(sent.slice(2)).toEqual([
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_7', type: 'function', function: { name: 'builtin__echo', arguments: '{"say":"hi there, friend"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_7', content: '{"say":"hi there, friend"}' },
      ]);
    });

    it('anthropic: streams text and tool_use blocks from the Messages API, with its usage', async () => {
      anthropic.script('claude-stream', [
        { kind: 'tool_calls', content: 'Let me echo that.', calls: [{ name: 'builtin__echo', args: { say: 'hi' }, id: 'toolu_1' }] },
      ]);
      const deltas: string[] = [];
      const result = await call('anthropic:claude-stream', {}, deltas);
      expect(deltas.join('')).toBe('Let me echo that.');
      expect(result).toEqual({
        message: {
          content: 'Let me echo that.',
          toolCalls: [{ id: 'toolu_1', type: 'function', function: { name: 'builtin__echo', arguments: '{"say":"hi"}' } }],
        },
        finishReason: 'tool-calls',
        usage: { inputTokens: 25, outputTokens: 9, cachedInputTokens: 4, totalTokens: 34 },
      });
      const [request] = anthropic.requestsFor('claude-stream');
      expect(request).toMatchObject({ stream: true, apiKey: 'anthropic-key', system: [{ type: 'text', text: 'You echo things.' }] });
      expect(request!.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'say hi' }] }]);
      expect(request!.tools?.map((tool) => tool.name)).toEqual(['builtin__echo']);
    });

    it('google: streams text and a function call from the Gemini API, with its usage', async () => {
      gemini.script('gemini-stream', [
        { kind: 'tool_calls', content: 'Echoing now.', calls: [{ name: 'builtin__echo', args: { say: 'hi' } }] },
        answer('echoed'),
      ]);
      const deltas: string[] = [];
      const result = await call('google:gemini-stream', {}, deltas);
      expect(deltas.join('')).toBe('Echoing now.');
      expect(result.message.content).toBe('Echoing now.');
      expect(result.message.toolCalls).toEqual([{ id: expect.any(String), type: 'function', function: { name: 'builtin__echo', arguments: '{"say":"hi"}' } }]);
      expect(result).toMatchObject({ finishReason: 'tool-calls', usage: { inputTokens: 17, outputTokens: 6, cachedInputTokens: 5, totalTokens: 23 } });
      const [request] = gemini.requestsFor('gemini-stream');
      expect(request).toMatchObject({ apiKey: 'google-key', systemInstruction: { parts: [{ text: 'You echo things.' }] } });
      expect(request!.contents).toEqual([{ role: 'user', parts: [{ text: 'say hi' }] }]);
      expect(request!.tools?.[0]?.functionDeclarations?.map((tool) => tool.name)).toEqual(['builtin__echo']);
      // The tool result goes back as a functionResponse of the call's name.
      await call('google:gemini-stream', {
        messages: [
          ...inputFor('x').messages,
          { role: 'assistant', content: 'Echoing now.', tool_calls: result.message.toolCalls },
          { role: 'tool', tool_call_id: result.message.toolCalls[0]!.id, content: '{"say":"hi"}' },
        ],
      });
      const replied = gemini.requestsFor('gemini-stream')[1]!.contents.at(-1)!;
      expect(replied.parts[0]).toMatchObject({ functionResponse: { name: 'builtin__echo' } });
    });

    it.each([
      ['openai:a-drop', () => chat.script('a-drop', [dropMidAnswer(long)])],
      ['anthropic:claude-drop', () => anthropic.script('claude-drop', [dropMidAnswer(long)])],
      ['google:gemini-drop', () => gemini.script('gemini-drop', [dropMidAnswer(long)])],
    ])('%s: a connection dropped mid-answer is a retryable NetworkError, after the deltas that came', async (model, script) => {
      script();
      const deltas: string[] = [];
      const failure = await failureOf(call(model, {}, deltas));
      expect(failure).toMatchObject({ type: 'NetworkError', nonRetryable: false });
      expect(failure.message).toMatch(/the answer broke off/);
      expect(deltas.length).toBeGreaterThan(0);
      expect(long.startsWith(deltas.join(''))).toBe(true);
      expect(deltas.join('')).not.toBe(long);
    });

    it.each([
      ['openai:a-429', () => chat.script('a-429', [httpError(429, '7')])],
      ['anthropic:claude-429', () => anthropic.script('claude-429', [httpError(429, '7')])],
      ['google:gemini-429', () => gemini.script('gemini-429', [httpError(429, '7')])],
    ])('%s: 429 is RateLimited with Retry-After as the next delay', async (model, script) => {
      script();
      const failure = await failureOf(call(model));
      expect(failure).toMatchObject({ type: 'RateLimited', nonRetryable: false });
      expect(failure.nextRetryDelay).toBe(7000);
    });

    it('500 backs off (ServerError), 401 is final (ClientError), an unconfigured provider is ModelNotConfigured', async () => {
      chat.script('a-500', [httpError(500)]);
      expect(await failureOf(call('openai:a-500'))).toMatchObject({ type: 'ServerError', nonRetryable: false });
      anthropic.script('claude-401', [httpError(401)]);
      expect(await failureOf(call('anthropic:claude-401'))).toMatchObject({ type: 'ClientError', nonRetryable: true });
      const unconfigured = await failureOf(callModel({ openai: config().openai }, inputFor('google:gemini-2.5-flash'), new AbortController().signal));
      expect(unconfigured).toMatchObject({ type: 'ModelNotConfigured', nonRetryable: true });
      expect(unconfigured.message).toMatch(/set GOOGLE_GENERATIVE_AI_API_KEY/);
    });
  });

  describe('agent runs on the stack', () => {
    const stack = useTestStack(() => ({
      env: {
        MODEL_BASE_URL: chat.baseUrl,
        MODEL_API_KEY: 'compat-key',
        OPENAI_API_KEY: 'openai-key',
        OPENAI_BASE_URL: chat.baseUrl,
        ANTHROPIC_API_KEY: 'anthropic-key',
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
      },
    }));
    const agent = (model: string) => ({ agent: { model, instructions: 'You echo things.', tools: ['builtin.echo'] }, input: 'please echo hi' });

    it.each([
      ['openai:e-openai', 'chat'],
      ['anthropic:e-claude', 'anthropic'],
      ['compatible:e-compat', 'chat'],
      ['e-bare', 'chat'],
    ] as const)('%s: a tool call, then a final answer, with usage recorded', async (model, doubleName) => {
      const double = doubleName === 'chat' ? chat : anthropic;
      const wire = model.replace(/^\w+:/, '');
      double.script(wire, [callTools({ name: 'builtin__echo', args: { say: 'hi' } }), answer('echoed hi')]);
      const runId = await startRun(stack, agent(model));
      const events = await waitForEnd(stack, runId);
      expect(dataOf(events, 'run.completed')[0]?.output).toBe('echoed hi');
      expect(dataOf(events, 'tool.call.succeeded')).toHaveLength(1);
      const calls = dataOf(events, 'model.called');
      expect(calls.map((call) => [call.model, call.finishReason])).toEqual([
        [model, 'tool-calls'],
        [model, 'stop'],
      ]);
      for (const call of calls) expect(call.usage.totalTokens).toBeGreaterThan(0);
      expect(double.requestsFor(wire)).toHaveLength(2);
    });

    it('a provider that drops the connection mid-answer: the turn is retried and recorded once, with the whole answer', async () => {
      const long = 'A long answer that the provider cuts off halfway through, then sends whole.';
      chat.script('e-drop', [dropMidAnswer(long), answer(long)]);
      const runId = await startRun(stack, agent('openai:e-drop'));
      const events = await waitForEnd(stack, runId);
      expect(chat.requestsFor('e-drop')).toHaveLength(2);
      const calls = dataOf(events, 'model.called');
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ turn: 1, content: long });
      expect(dataOf(events, 'run.completed')[0]?.output).toBe(long);
    });

    it('429 with Retry-After: the next attempt waits at least that long', async () => {
      anthropic.script('e-claude-429', [httpError(429, '2'), answer('after the wait')]);
      const runId = await startRun(stack, agent('anthropic:e-claude-429'));
      const events = await waitForEnd(stack, runId);
      expect(dataOf(events, 'run.completed')[0]?.output).toBe('after the wait');
      const [first, second] = anthropic.requestsFor('e-claude-429');
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    });

    it('refuses an unknown provider prefix at start (400), naming the known ones', async () => {
      const response = await stack.request('POST', '/v1/runs', agent('mistral:large'));
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body.error)).toMatch(
        /unknown model provider \\"mistral\\".*openai:<model>, anthropic:<model>, google:<model>, compatible:<model>/,
      );
    });

    it('fails a run whose provider the worker has not configured: ModelNotConfigured, naming the variable', async () => {
      const runId = await startRun(stack, agent('google:gemini-2.5-flash'));
      const events = await waitForEnd(stack, runId);
      expect(dataOf(events, 'run.failed')[0]?.error).toMatchObject({ errorClass: 'ModelNotConfigured' });
      expect(dataOf(events, 'run.failed')[0]?.error.message).toMatch(/GOOGLE_GENERATIVE_AI_API_KEY/);
    });
  });
});
