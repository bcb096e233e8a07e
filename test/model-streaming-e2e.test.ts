/**
 * Streamed model answers end to end: agent runs started through the API, whose worker calls a
 * model double speaking the provider's streaming wire format (OpenAI-compatible chat completions,
 * Anthropic Messages), followed by a ws subscriber and a server-sent-events reader. Both production
 * topologies: the combined process (`worker/combined-main.ts`) and an API process with a worker
 * process beside it, where every delta crosses Postgres (a row and a NOTIFY) between them.
 *
 * The doubles hold each answer halfway (`heldMidway`) until the client has its first half, so what
 * the client sees does not depend on how fast anything is: it saw the answer while it was written.
 */
import { Client, Connection } from '@temporalio/client';
import path from 'node:path';
import type { RunEvent } from '../lib/events';
import type { ServerFrame } from '../lib/stream';
import { spawnManaged, type ManagedChild } from '../scripts/child-process';
import { freePort } from '../scripts/free-port';
import { startApiProcess } from './api-process';
import { FakeAnthropicMessagesServer } from './fake-anthropic-messages-server';
import { answer, dropMidAnswer, FakeChatCompletionsServer, firstHalfOf, heldMidway, httpError, piecesOf } from './fake-chat-completions-server';
import { readServerSentEvents, type ServerSentMessage } from './sse-client';
import { until } from './wait';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { TestStreamClient } from './ws-client';

const repoRoot = path.resolve(__dirname, '..');
const adminKey = 'streaming-e2e-admin-key-0123456789';

/** An API and a worker over the suite's Temporal and Postgres, as one of the two topologies runs them. */
interface Deployment {
  apiUrl: string;
  wsUrl: string;
  /** Their last output lines, for failure messages. */
  output(): string[];
  stop(): Promise<void>;
}

type Start = (env: NodeJS.ProcessEnv) => Promise<Deployment>;

const startCombined: Start = async (env) => {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const child: ManagedChild = spawnManaged('api+worker', process.execPath, ['--import', 'tsx', 'worker/combined-main.ts'], {
    cwd: repoRoot,
    env: { ...env, API_PORT: String(port), API_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    write: (line) => lines.push(line),
  });
  await until(
    () =>
      fetch(`${apiUrl}/readyz`).then(
        (response) => response.status === 200,
        () => child.process.exitCode !== null,
      ),
    {
      message: `the combined process to be ready (${lines.slice(-20).join('\n')})`,
      timeoutMs: 120_000,
      intervalMs: 200,
    },
  );
  if (child.process.exitCode !== null) throw new Error(`the combined process exited:\n${lines.join('\n')}`);
  return { apiUrl, wsUrl: `${apiUrl.replace(/^http/, 'ws')}/v1/stream`, output: () => lines.slice(-40), stop: () => child.stop() };
};

const startSeparate: Start = async (env) => {
  const worker: WorkerProcess = startWorkerProcess(env.TEMPORAL_TASK_QUEUE!, env as Record<string, string>);
  const apiLines: string[] = [];
  const api = await startApiProcess(env, { onOutput: (text) => apiLines.push(text) });
  return {
    apiUrl: api.url,
    wsUrl: api.wsUrl,
    output: () => [...apiLines.slice(-20), ...worker.outputTail()],
    async stop() {
      if (api.child.exitCode === null) {
        api.child.kill('SIGTERM');
        await new Promise((resolve) => api.child.once('exit', resolve));
      }
      await worker.stop();
    },
  };
};

type Answer = Extract<ServerFrame, { type: 'delta' | 'delta.reset' }>;
const answerFrames = (frames: ServerFrame[], runId: string, turn?: number): Answer[] =>
  frames.filter(
    (frame): frame is Answer =>
      (frame.type === 'delta' || frame.type === 'delta.reset') && frame.runId === runId && (turn === undefined || frame.turn === turn),
  );
/** The text of `frames`, as a client that starts over at each `delta.reset` shows it. */
const shownText = (frames: Answer[]) => frames.reduce((text, frame) => (frame.type === 'delta.reset' ? '' : text + frame.text), '');
/** What a held reply streams before its midway. */
const firstHalfText = (text: string) => {
  const pieces = piecesOf(text);
  return pieces.slice(0, firstHalfOf(pieces)).join('');
};
const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);

/** A `GET /v1/runs/:id/stream` reader: every message it got, parsed. */
function followServerSentEvents(url: string, key: string) {
  const abort = new AbortController();
  const messages: ServerSentMessage[] = [];
  const reading = (async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
    await readServerSentEvents(response.body, messages);
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) throw error;
  });
  return {
    messages,
    async close() {
      abort.abort();
      await reading;
    },
  };
}

describe('streamed model answers end to end', () => {
  let chat: FakeChatCompletionsServer;
  let anthropic: FakeAnthropicMessagesServer;
  beforeAll(async () => {
    [chat, anthropic] = await Promise.all([new FakeChatCompletionsServer().start(), new FakeAnthropicMessagesServer().start()]);
  });
  afterAll(async () => {
    await Promise.all([chat?.stop(), anthropic?.stop()]);
  });

  describe.each([
    ['the combined API + worker process', 'c', startCombined],
    ['an API process and a worker process', 's', startSeparate],
  ] as const)('%s', (_name, topology, start) => {
    const suffix = `${process.pid}-${topology}-${Math.random().toString(36).slice(2, 8)}`;
    let deployment: Deployment | undefined;
    const clients: TestStreamClient[] = [];
    const readers: Array<ReturnType<typeof followServerSentEvents>> = [];

    beforeAll(async () => {
      deployment = await start({
        // DATABASE_URL, TEMPORAL_ADDRESS and WORKFLOW_BUNDLE_PATH come from global-setup via process.env.
        ...process.env,
        TEMPORAL_TASK_QUEUE: `flightdeck-streaming-${suffix}`,
        FLIGHTDECK_ADMIN_KEY: adminKey,
        FLIGHTDECK_DEFAULT_TENANT: `tenant-streaming-${suffix}`,
        MODEL_BASE_URL: chat.baseUrl,
        MODEL_API_KEY: 'compat-key',
        ANTHROPIC_API_KEY: 'anthropic-key',
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
      });
    }, 150_000);
    afterEach(async () => {
      await Promise.all([...clients.splice(0).map((client) => client.close()), ...readers.splice(0).map((reader) => reader.close())]);
    });
    afterAll(async () => {
      await deployment?.stop();
    }, 30_000);

    const call = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${deployment!.apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const eventsOf = async (runId: string) => (await call('GET', `/v1/runs/${runId}/events?limit=1000`)).body.events as RunEvent[];

    /** Starts an agent run on `model` and follows it on ws and SSE from its first event. */
    async function startFollowed(model: string, tools: string[] = []) {
      const started = await call('POST', '/v1/runs', { agent: { model, instructions: 'You echo things.', tools }, input: 'please echo hi' });
      if (started.status !== 201) throw new Error(`POST /v1/runs answered ${started.status}: ${JSON.stringify(started.body)}`);
      const runId = started.body.run.id as string;
      const client = await TestStreamClient.connect(deployment!.wsUrl, adminKey);
      clients.push(client);
      client.send({ type: 'subscribe', runId, afterSeq: 0 });
      const sse = followServerSentEvents(`${deployment!.apiUrl}/v1/runs/${runId}/stream`, adminKey);
      readers.push(sse);
      const ended = () =>
        client.waitFor(
          (frames) => frames.some((frame) => frame.type === 'event' && frame.runId === runId && /^run\.(completed|failed)$/.test(frame.event.type)),
          60_000,
        );
      return { runId, client, sse, ended };
    }

    /** Waits until the client shows `text` for the turn (its answer so far), failing with the deployment's output. */
    const waitForShown = (client: TestStreamClient, runId: string, turn: number, text: string) =>
      client
        .waitFor((frames) => shownText(answerFrames(frames, runId, turn)) === text, 60_000)
        .catch((error: Error) => {
          throw new Error(
            `${error.message}\nshown: ${JSON.stringify(shownText(answerFrames(client.frames, runId, turn)))}\n${deployment!.output().join('\n')}`,
          );
        });

    const cases = [
      ['compatible:', `compatible:s-compat-${topology}`, () => chat],
      ['a bare model name', `s-bare-${topology}`, () => chat],
      ['anthropic:', `anthropic:s-claude-${topology}`, () => anthropic],
    ] as const;

    it.each(cases)(
      '%s: a ws subscriber and an SSE reader get each turn as deltas that add up to its model.called content; the log has one model.called a turn and no deltas',
      async (_label, model, double) => {
        const wire = model.replace(/^\w+:/, '');
        const turnOne = 'I will echo that for you now.';
        const turnTwo = 'The echo said hi, as you asked it to.';
        const first = heldMidway({ kind: 'tool_calls', calls: [{ name: 'builtin__echo', args: { say: 'hi' } }], content: turnOne });
        const second = heldMidway(answer(turnTwo));
        double().script(wire, [first.reply, second.reply]);
        const { runId, client, sse, ended } = await startFollowed(model, ['builtin.echo']);

        // Half of each answer reaches the client while the provider is still writing it.
        await waitForShown(client, runId, 1, firstHalfText(turnOne));
        first.release();
        await waitForShown(client, runId, 2, firstHalfText(turnTwo));
        second.release();
        await ended();
        const events = await eventsOf(runId);

        const calls = dataOf(events, 'model.called');
        expect(calls.map((called) => [called.turn, called.content])).toEqual([
          [1, turnOne],
          [2, turnTwo],
        ]);
        expect(dataOf(events, 'run.completed')[0]?.output).toBe(turnTwo);
        for (const turn of [1, 2]) {
          const frames = answerFrames(client.frames, runId, turn);
          expect(frames.every((frame) => frame.type === 'delta')).toBe(true);
          expect(shownText(frames)).toBe(calls[turn - 1].content);
        }
        // Deltas are not events: the ws got the log as stored, gapless, and the log holds no answer text but model.called's.
        expect(client.events(runId).map((frame) => frame.seq)).toEqual(events.map((event) => event.seq));
        expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
        expect(events.filter((event) => /delta/.test(event.type))).toEqual([]);
        expect(
          double()
            .requestsFor(wire)
            .map((request) => request.stream),
        ).toEqual([true, true]);

        // The SSE reader got the same: the stored events with their seq as id, and the deltas without one.
        await until(() => sse.messages.some((message) => message.event === 'event' && message.data.event.type === 'run.completed'), {
          message: 'the SSE reader to see the run end',
        });
        const sseDeltas = sse.messages.filter((message) => message.event === 'delta').map((message) => message.data as Answer);
        expect(sseDeltas.every((delta) => delta.runId === runId)).toBe(true);
        for (const turn of [1, 2]) expect(shownText(sseDeltas.filter((delta) => delta.turn === turn))).toBe(calls[turn - 1].content);
        expect(sse.messages.filter((message) => message.event === 'delta').every((message) => message.id === undefined)).toBe(true);
        expect(sse.messages.filter((message) => message.event === 'event').map((message) => Number(message.id))).toEqual(events.map((event) => event.seq));
      },
    );

    it.each([
      ['compatible:', `compatible:s-drop-${topology}`, () => chat],
      ['anthropic:', `anthropic:s-claude-drop-${topology}`, () => anthropic],
    ] as const)(
      '%s: a provider that drops the connection mid-answer: the client gets delta.reset, then the retry’s text; one model.called',
      async (_label, model, double) => {
        const wire = model.replace(/^\w+:/, '');
        const broken = 'A first answer that the provider cuts off halfway through.';
        const retried = 'The second attempt, which the provider sends whole.';
        const drop = heldMidway(dropMidAnswer(broken));
        double().script(wire, [drop.reply, answer(retried)]);
        const { runId, client, ended } = await startFollowed(model);

        await waitForShown(client, runId, 1, firstHalfText(broken));
        // The provider cuts the connection; the activity fails (NetworkError) and its retry streams anew.
        drop.release();
        await ended();
        const events = await eventsOf(runId);

        expect(double().requestsFor(wire)).toHaveLength(2);
        expect(dataOf(events, 'model.called').map((called) => [called.turn, called.content])).toEqual([[1, retried]]);
        expect(dataOf(events, 'run.completed')[0]?.output).toBe(retried);
        const frames = answerFrames(client.frames, runId);
        const resets = frames.flatMap((frame, index) => (frame.type === 'delta.reset' ? [index] : []));
        expect(resets).toHaveLength(1);
        expect(frames[resets[0]!]).toEqual({ type: 'delta.reset', runId, turn: 1 });
        expect(shownText(frames.slice(0, resets[0]))).toBe(firstHalfText(broken));
        expect(shownText(frames.slice(resets[0]! + 1))).toBe(retried);
        expect(frames.slice(resets[0]! + 1).length).toBeGreaterThan(0);
      },
    );

    it('429 with Retry-After: the turn is retried after the delay the provider named (RateLimited), and the run completes', async () => {
      const wire = `s-claude-429-${topology}`;
      const after = 'An answer after the rate limit.';
      const retry = heldMidway(answer(after));
      anthropic.script(wire, [httpError(429, '3'), retry.reply]);
      const { runId, client, ended } = await startFollowed(`anthropic:${wire}`);

      await waitForShown(client, runId, 1, firstHalfText(after));
      retry.release();
      await ended();
      const events = await eventsOf(runId);
      expect(dataOf(events, 'run.completed')[0]?.output).toBe(after);
      expect(dataOf(events, 'model.called').map((called) => [called.turn, called.content])).toEqual([[1, after]]);
      expect(anthropic.requestsFor(wire)).toHaveLength(2);
      // The 429 attempt streamed nothing: the client has the retry's text alone, with no reset.
      expect(answerFrames(client.frames, runId)).toEqual(expect.not.arrayContaining([expect.objectContaining({ type: 'delta.reset' })]));
      expect(shownText(answerFrames(client.frames, runId))).toBe(after);

      // What Temporal recorded of the model call: its second attempt, after a RateLimited failure whose next delay is the Retry-After (3 s, not the policy's 1 s).
      const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
      try {
        const history = await new Client({ connection }).workflow.getHandle(runId).fetchHistory();
        const scheduled = new Set(
          (history.events ?? [])
            .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel')
            .map((event) => String(event.eventId)),
        );
        const started = (history.events ?? []).flatMap((event) => {
          const attributes = event.activityTaskStartedEventAttributes;
          return attributes && scheduled.has(String(attributes.scheduledEventId)) ? [attributes] : [];
        });
        expect(started).toHaveLength(1);
        expect(started[0]!.attempt).toBe(2);
        const failure = started[0]!.lastFailure!;
        expect(failure.applicationFailureInfo).toMatchObject({ type: 'RateLimited', nonRetryable: false });
        expect(Number(failure.applicationFailureInfo!.nextRetryDelay?.seconds)).toBe(3);
        expect(failure.message).toMatch(/provider answered 429/);
      } finally {
        await connection.close();
      }
    });
  });
});
