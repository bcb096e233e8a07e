/**
 * Streamed answers end to end, without a model: the test drives the worker's answer streams
 * (activities/answer-stream.ts) as callModel does, over a real database, and real ws and SSE
 * clients follow the run through a real API. Every delta goes through Postgres (a row and a
 * NOTIFY) to the API's listener, as it does when the worker is another process.
 */
import type { Knex } from 'knex';
import { createAnswerStreams, forgetRecordedAnswers, type AnswerStreams } from '../activities/answer-stream';
import { apiEnvSchema } from '../api/env';
import { startApiServer, type ApiServer } from '../api/server';
import { createApiKey } from '../domains/keys';
import { answerTable } from '../lib/answer-deltas';
import { parseEnv } from '../lib/config';
import { createDb, migrateLatest } from '../lib/db';
import { appendEvents } from '../lib/event-log';
import { specHash } from '../lib/ids';
import { createLogger } from '../lib/logger';
import type { ServerFrame } from '../lib/stream';
import { freePort } from '../scripts/free-port';
import { createToolRegistry } from '../tools/default-registry';
import { runCli } from '../cli/main';
import { FlightdeckClient, type AnswerDelta } from '../lib/api-client';
import { startApiProcess } from './api-process';
import { createScratchDatabase } from './databases';
import { readServerSentEvents, type ServerSentMessage } from './sse-client';
import { sleep, until } from './wait';
import { TestStreamClient } from './ws-client';

const tenant = 'tenant-a';
const otherTenant = 'tenant-b';
const spec = { tags: [], agent: { model: 'm', instructions: 'i', tools: [] } };
const log = createLogger('test', 'silent');

type Delta = Extract<ServerFrame, { type: 'delta' | 'delta.reset' }>;
const answerFrames = (frames: ServerFrame[], runId: string): Delta[] =>
  frames.filter((frame): frame is Delta => (frame.type === 'delta' || frame.type === 'delta.reset') && frame.runId === runId);
const textOf = (frames: Delta[]) => frames.map((frame) => (frame.type === 'delta' ? frame.text : '')).join('');

let runCounter = 0;
async function createRun(db: Knex, tenantId = tenant): Promise<string> {
  runCounter += 1;
  const runId = `run_answers_${process.pid}_${runCounter}`;
  await appendEvents(db, { tenantId, runId }, [
    {
      type: 'run.created',
      dedupeKey: `${runId}/run.created`,
      data: { spec, specHash: specHash(spec), mode: 'agent', name: null, tags: [], idempotencyKey: null },
    },
    { type: 'run.started', dedupeKey: `${runId}/run.started`, data: {} },
  ]);
  return runId;
}

async function recordModelCalled(db: Knex, runId: string, turn: number, content: string): Promise<void> {
  const data = { turn, model: 'm', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, finishReason: 'stop', content, toolCalls: [] };
  await appendEvents(db, { tenantId: tenant, runId }, [{ type: 'model.called', dedupeKey: `${runId}/model/${turn}`, data }], { writer: 'workflow' });
  await forgetRecordedAnswers(db, log, tenant, runId, [{ type: 'model.called', key: `model/${turn}`, data }]);
}

describe('streamed answers', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let apiDb: Knex;
  let api: ApiServer;
  let answers: AnswerStreams;
  let viewerKey: string;
  let otherKey: string;
  const clients: TestStreamClient[] = [];
  const connect = async (key = viewerKey) => {
    const client = await TestStreamClient.connect(`${api.url.replace('http', 'ws')}/v1/stream`, key);
    clients.push(client);
    return client;
  };
  const subscribe = async (client: TestStreamClient, runId: string, afterSeq = 0) => {
    client.send({ type: 'subscribe', runId, afterSeq });
    // Caught up: the stored events came (the answer feed reads the table after them).
    await client.waitFor((frames) => frames.some((frame) => frame.type === 'event' && frame.runId === runId && frame.seq === 2));
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase('answers');
    await migrateLatest(scratch.db);
    const env = parseEnv(apiEnvSchema, {
      DATABASE_URL: scratch.url,
      // Nothing here starts runs: Temporal may as well be down.
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      FLIGHTDECK_ADMIN_KEY: 'answers-test-admin-key-0123',
      FLIGHTDECK_RATE_LIMIT_PER_MINUTE: '100000',
    });
    apiDb = createDb(env.DATABASE_URL, { log });
    api = await startApiServer({ env, db: apiDb, tools: await createToolRegistry(), log });
    const createdBy = { type: 'system' as const, id: 'test' };
    viewerKey = (await createApiKey(scratch.db, { tenantId: tenant, name: 'viewer', role: 'viewer', createdBy })).key;
    otherKey = (await createApiKey(scratch.db, { tenantId: otherTenant, name: 'other', role: 'admin', createdBy })).key;
    answers = createAnswerStreams(scratch.db, log);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await api?.close();
    await apiDb?.destroy();
    await scratch?.drop();
  });

  it('reaches a client of an API in another process, each delta before the next is sent', async () => {
    const { child, wsUrl } = await startApiProcess({
      ...process.env,
      DATABASE_URL: scratch.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      FLIGHTDECK_ADMIN_KEY: 'answers-test-admin-key-0123',
      FLIGHTDECK_RATE_LIMIT_PER_MINUTE: '100000',
    });
    try {
      const runId = await createRun(scratch.db);
      const client = await TestStreamClient.connect(wsUrl, viewerKey);
      clients.push(client);
      await subscribe(client, runId);
      const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
      for (let index = 0; index < 10; index += 1) {
        stream.delta(`part ${index} `);
        await client.waitFor((frames) => textOf(answerFrames(frames, runId)).endsWith(`part ${index} `), 5_000);
      }
      await stream.close();
      expect(textOf(answerFrames(client.frames, runId))).toBe(Array.from({ length: 10 }, (_, index) => `part ${index} `).join(''));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('delivers deltas in order, each before the next is sent (latency: npm run bench, BENCH_PARTS=stream)', async () => {
    const runId = await createRun(scratch.db);
    const client = await connect();
    await subscribe(client, runId);
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    const chunks = Array.from({ length: 20 }, (_, index) => `chunk ${index}; `);
    for (const chunk of chunks) {
      const before = client.frames.length;
      stream.delta(chunk);
      await client.waitFor((frames) => textOf(answerFrames(frames, runId)).endsWith(chunk), 5_000);
      expect(client.frames.length).toBeGreaterThan(before);
    }
    await stream.close();
    const frames = answerFrames(client.frames, runId);
    expect(frames.every((frame) => frame.type === 'delta' && frame.turn === 1 && frame.agent === undefined)).toBe(true);
    expect(textOf(frames)).toBe(chunks.join(''));
  });

  it('gives a subscriber that comes mid-answer the text so far once, then only the live deltas: no gap, no repeat', async () => {
    const runId = await createRun(scratch.db);
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, agent: 'writer', attempt: 1 });
    let sent = '';
    const send = (text: string) => {
      stream.delta(text);
      sent += text;
    };
    for (let index = 0; index < 30; index += 1) send(`early ${index} `);
    await until(async () => (await scratch.db(answerTable).where({ run_id: runId }).first<{ text: string } | undefined>())?.text, {
      done: (text) => text === sent,
      message: 'the text so far in the table',
    });
    // Deltas keep coming while the subscriber catches up, so the read and the notices race.
    const late = await connect();
    late.send({ type: 'subscribe', runId, afterSeq: 0 });
    const sentAtSubscribe = sent;
    for (let index = 0; index < 60; index += 1) {
      send(`late ${index} 😀 `);
      await sleep(2);
    }
    await stream.close();
    await late.waitFor((frames) => textOf(answerFrames(frames, runId)) === sent || textOf(answerFrames(frames, runId)).length > sent.length, 10_000);
    const frames = answerFrames(late.frames, runId);
    expect(textOf(frames)).toBe(sent);
    expect(frames[0]).toMatchObject({ type: 'delta', turn: 1, agent: 'writer' });
    expect((frames[0] as { text: string }).text.startsWith(sentAtSubscribe)).toBe(true);
    expect(frames.some((frame) => frame.type === 'delta.reset')).toBe(false);
    // The first delta came after the run's stored events.
    const firstDelta = late.frames.indexOf(frames[0]!);
    expect(late.frames.slice(0, firstDelta).filter((frame) => frame.type === 'event')).toHaveLength(2);
  });

  it('announces a retried call (delta.reset) before its deltas', async () => {
    const runId = await createRun(scratch.db);
    const client = await connect();
    await subscribe(client, runId);
    const first = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    first.delta('a partial answer that ');
    await client.waitFor((frames) => textOf(answerFrames(frames, runId)) === 'a partial answer that ');

    // The first attempt timed out but its worker still streams: the retry starts meanwhile.
    const second = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 2 });
    // The reset comes at open, before any text of the retry.
    await client.waitFor((frames) => answerFrames(frames, runId).some((frame) => frame.type === 'delta.reset'));
    second.delta('the answer');
    // The zombie's writes are refused by the row (a later attempt owns it): no client hears them.
    first.delta(' goes on');
    await first.close();
    await second.close();
    expect(await scratch.db(answerTable).where({ run_id: runId }).select('attempt', 'text')).toEqual([{ attempt: 2, text: 'the answer' }]);
    await client.waitFor((frames) => answerFrames(frames, runId).at(-1)?.type === 'delta' && textOf(answerFrames(frames, runId)).endsWith('the answer'));
    const frames = answerFrames(client.frames, runId);
    const reset = frames.findIndex((frame) => frame.type === 'delta.reset');
    expect(frames[reset]).toEqual({ type: 'delta.reset', runId, turn: 1 });
    expect(textOf(frames.slice(0, reset))).toBe('a partial answer that ');
    expect(textOf(frames.slice(reset + 1))).toBe('the answer');

    // A later subscriber gets the retry's text only, with no reset (it saw nothing of the first).
    const late = await connect();
    await subscribe(late, runId);
    await late.waitFor((all) => answerFrames(all, runId).length > 0);
    expect(answerFrames(late.frames, runId)).toEqual([{ type: 'delta', runId, turn: 1, text: 'the answer' }]);
  });

  it("sends another tenant's client nothing of the run", async () => {
    const runId = await createRun(scratch.db);
    const own = await connect();
    await subscribe(own, runId);
    const stranger = await connect(otherKey);
    stranger.send({ type: 'subscribe', runId, afterSeq: 0 });
    await stranger.waitFor((frames) => frames.some((frame) => frame.type === 'error'));
    expect(stranger.frames[0]).toMatchObject({ type: 'error', error: { code: 'not_found' } });
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    stream.delta('secret');
    await stream.close();
    await own.waitFor((frames) => textOf(answerFrames(frames, runId)) === 'secret');
    expect(stranger.frames.filter((frame) => frame.type !== 'error')).toEqual([]);
    const sse = await fetch(`${api.url}/v1/runs/${runId}/stream`, { headers: { authorization: `Bearer ${otherKey}` } });
    expect(sse.status).toBe(404);
    expect(await sse.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it("stops a turn's deltas once its model.called is sent, and a later subscriber gets none of it", async () => {
    const runId = await createRun(scratch.db);
    const client = await connect();
    await subscribe(client, runId);
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    stream.delta('final answer');
    await client.waitFor((frames) => textOf(answerFrames(frames, runId)) === 'final answer');
    await recordModelCalled(scratch.db, runId, 1, 'final answer');
    await client.waitFor((frames) => frames.some((frame) => frame.type === 'event' && frame.event.type === 'model.called'));
    expect(await scratch.db(answerTable).where({ run_id: runId })).toEqual([]);
    // The stream wrote before its answer was recorded: what it writes after does not bring the row back.
    stream.delta(' and more');
    await stream.close();
    expect(await scratch.db(answerTable).where({ run_id: runId })).toEqual([]);

    // A zombie whose first write comes after the answer was recorded: its row comes back, but no client hears it.
    const zombie = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    zombie.delta('too late');
    await zombie.close();
    const next = answers.open({ tenantId: tenant, runId, turn: 2, attempt: 1 });
    next.delta('turn two');
    await next.close();
    await client.waitFor((frames) => answerFrames(frames, runId).some((frame) => frame.type === 'delta' && frame.turn === 2));
    const afterFinal = client.frames.slice(client.frames.findIndex((frame) => frame.type === 'event' && frame.event.type === 'model.called'));
    expect(answerFrames(afterFinal, runId).filter((frame) => frame.turn === 1)).toEqual([]);

    const late = await connect();
    await subscribe(late, runId);
    await late.waitFor((frames) => answerFrames(frames, runId).length > 0);
    await sleep(100);
    expect(answerFrames(late.frames, runId)).toEqual([{ type: 'delta', runId, turn: 2, text: 'turn two' }]);
  });

  it('carries an answer larger than a NOTIFY payload whole', async () => {
    const runId = await createRun(scratch.db);
    const client = await connect();
    await subscribe(client, runId);
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    const big = 'é"\n😀 '.repeat(5000);
    stream.delta(big);
    stream.delta('end');
    await stream.close();
    await client.waitFor((frames) => textOf(answerFrames(frames, runId)).length >= big.length + 3);
    expect(textOf(answerFrames(client.frames, runId))).toBe(`${big}end`);
  });

  it("`flightdeck runs watch` prints the answer as it streams, and the typed client's onDelta gets the frames", async () => {
    const runId = await createRun(scratch.db);
    let stdout = '';
    const io = {
      env: { FLIGHTDECK_API_URL: api.url, FLIGHTDECK_API_KEY: viewerKey },
      stdout: (text: string) => (stdout += text),
      stderr: () => undefined,
      readStdin: async () => '',
    };
    const watching = runCli(['runs', 'watch', runId], io);
    const deltas: AnswerDelta[] = [];
    const abort = new AbortController();
    const client = new FlightdeckClient({ baseUrl: api.url, apiKey: viewerKey });
    let live = false;
    const watched = client.watchRun(runId, {
      onEvent: () => undefined,
      onDelta: (delta) => void deltas.push(delta),
      onStatus: (status) => (live ||= status === 'live'),
      signal: abort.signal,
    });
    await until(() => stdout, { done: (text) => text.includes('run.started'), message: 'the watch caught up' });
    await until(() => live, { message: 'the typed client subscribed' });
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    stream.delta('Hello, ');
    await until(() => stdout, { done: (text) => text.endsWith('Hello, '), message: 'the first delta printed' });
    stream.delta('world');
    await stream.close();
    await until(() => stdout, { done: (text) => text.endsWith('Hello, world'), message: 'the second delta printed' });
    await recordModelCalled(scratch.db, runId, 1, 'Hello, world');
    await appendEvents(scratch.db, { tenantId: tenant, runId }, [{ type: 'run.completed', dedupeKey: `${runId}/run.completed`, data: { output: null } }], {
      writer: 'workflow',
    });
    expect(await watching).toBe(0);
    expect(stdout).toMatch(/run\.started[^\n]*\nHello, world\n\s*\d+\s+model\.called/);
    abort.abort();
    await watched;
    // However its subscription and the first delta raced, the client has the answer once.
    expect(deltas.every((delta) => delta.type === 'delta' && delta.turn === 1)).toBe(true);
    expect(textOf(deltas)).toBe('Hello, world');
  });

  it('streams events and deltas as server-sent events, resuming after Last-Event-ID', async () => {
    const runId = await createRun(scratch.db);
    const abort = new AbortController();
    const response = await fetch(`${api.url}/v1/runs/${runId}/stream`, {
      headers: { authorization: `Bearer ${viewerKey}`, 'last-event-id': '1' },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages: ServerSentMessage[] = [];
    const reading = readServerSentEvents(response.body, messages).catch(() => undefined);
    await until(() => messages.some((message) => message.event === 'event'), { message: 'the stored events' });
    const stream = answers.open({ tenantId: tenant, runId, turn: 1, attempt: 1 });
    stream.delta('over ');
    stream.delta('SSE');
    await stream.close();
    await until(
      () =>
        messages
          .filter((message) => message.event === 'delta')
          .map((message) => message.data.text as string)
          .join(''),
      {
        done: (text) => text === 'over SSE',
        message: 'the deltas',
      },
    );
    abort.abort();
    await reading;
    expect(messages[0]).toMatchObject({ event: 'subscribed', data: { type: 'subscribed', runId, afterSeq: 1 } });
    expect(messages.filter((message) => message.event === 'event').map((message) => [message.id, message.data.event.type])).toEqual([['2', 'run.started']]);
    expect(messages.filter((message) => message.event === 'delta').every((message) => message.id === undefined && message.data.turn === 1)).toBe(true);
  });
});
