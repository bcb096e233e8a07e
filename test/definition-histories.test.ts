/**
 * The recorded histories of run definitions, replayed by test/replay.test.ts (and by
 * `npm run replay -- test/fixtures/histories`): every shipped example in definitions/, plus the
 * fixtures whose shapes replay must keep covering (a `ctx.map` fan-out; an ordinary and a local
 * tool call, which test/replay-script.test.ts reorders). Each runs here on the real stack; with
 * FLIGHTDECK_RECORD_HISTORIES=1 its history is saved as test/fixtures/histories/definition-<name>.json.
 * A definition that waits for chat messages gets them from `messagesWhileRecording`.
 *
 * Examples that reach third-party services reach test doubles here: the model
 * (fake-chat-completions-server.ts, scripted per example's model name in `scriptModel`) and web pages
 * (fake-web-pages.ts); an input given as a function is computed once they have started.
 *
 * An example that waits for a person (ctx.approval) names its gates in `approvalsGranted`: the run
 * is approved there by an approver key, not the run's creator.
 *
 * A new example in definitions/: add its input to `shippedExampleInputs`, then record with
 *   FLIGHTDECK_RECORD_HISTORIES=1 npx jest --runTestsByPath test/definition-histories.test.ts
 * and commit the new history (this file fails until both are there).
 */
import { Client, Connection } from '@temporalio/client';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findDefinitionFiles, loadDefinitions, shippedDefinitionsDir } from '../lib/definitions';
import { answer, callTools, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { FakeWebPages } from './fake-web-pages';
import { historiesDirectory, saveHistoryFixture } from './history-fixtures';
import { callAs, startRun, typesOf, waitForEnd, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';
import { until } from './wait';

const web = new FakeWebPages({
  '/status': { contentType: 'text/plain', body: 'All systems are operational.' },
  '/incidents': { contentType: 'application/json', body: JSON.stringify({ open: [{ id: 7, title: 'Slow search' }] }) },
  '/changelog': { contentType: 'text/html', body: '<p>Search index rebuilt on Monday.</p>' },
});

/** The model double's replies, per model name the examples' inputs give. */
function scriptModel(model: FakeChatCompletionsServer): void {
  model.script('research-model', [
    callTools({ name: 'builtin__json_transform', args: { value: { open: [{ id: 7, title: 'Slow search' }] }, path: 'open.0.title' }, id: 'call_pick' }),
    answer('Search was slow [2]; the index was rebuilt [3]; all else is up [1].'),
  ]);
}

/** One input per definition in definitions/, the run its recorded history comes from (a function: computed once the doubles run). */
const shippedExampleInputs: Record<string, unknown> = {
  'echo-twice': { word: 'hi' },
  'inbox-triage': { idleTimeoutSeconds: 5 },
  'nightly-digest': { topics: ['releases', 'incidents'], since: '2026-12-05' },
  research: () => ({
    question: 'How is search doing?',
    sources: ['/status', '/incidents', '/changelog'].map((page) => web.url(page)),
    model: 'research-model',
  }),
  'issue-refund': { orderId: 'A-17', amount: 25, currency: 'EUR' },
  refund: { orderId: 'A-17', amount: 30, reason: 'damaged' },
};

/**
 * Chat messages sent to a run right after it starts (a definition takes those sent before it waits
 * too), for definitions that would otherwise wait for messages they never get until they time out.
 */
const messagesWhileRecording: Record<string, string[]> = {
  'inbox-triage': ['the site is down', 'where is my invoice?', 'done'],
};

/** The gates (ctx.approval steps) of an example's recorded run, each approved as asked. */
const approvalsGranted: Record<string, string[]> = {
  refund: ['approve'],
};

/** Fixtures of test/fixtures/definitions/ with a recorded history too. */
const fixtureInputs: Record<string, unknown> = {
  'fan-out': { items: ['a', 'b', 'c', 'd', 'e'], concurrency: 2 },
  'wait-then-echo': { word: 'replayed' },
};

const definitionHistoryName = (definition: string): string => `definition-${definition}`;

describe('recorded histories of run definitions', () => {
  let model: FakeChatCompletionsServer;
  let approverKey = '';
  beforeAll(async () => {
    [model] = await Promise.all([new FakeChatCompletionsServer().start(), web.start()]);
    scriptModel(model);
  });
  const stack = useTestStack(() => ({ env: { MODEL_BASE_URL: model.baseUrl, FLIGHTDECK_HTTP_ALLOW: '127.0.0.1' } }));
  beforeAll(async () => {
    approverKey = (await stack.request('POST', '/v1/admin/keys', { name: 'history approver', role: 'approver' })).body.key;
  });
  afterAll(async () => {
    await Promise.all([model?.stop(), web.stop()]);
  });

  /** Approves each gate of `steps` once the run asks for it. */
  const grantApprovals = async (runId: string, steps: string[]) => {
    for (const step of steps) {
      await waitForEvents(stack, runId, (events) =>
        events.some((event) => event.type === 'approval.requested' && (event.data as { stepId: string }).stepId === step),
      );
      const decided = await callAs(stack, approverKey, 'POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(`${runId}:${step}`)}`, {
        decision: 'approve',
      });
      expect(decided.status).toBe(202);
    }
  };

  it('has an example input and a committed history for every definition in definitions/', async () => {
    const shipped = [...(await loadDefinitions(await findDefinitionFiles([shippedDefinitionsDir]))).keys()].sort();
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.filter((name) => !(name in shippedExampleInputs))).toEqual([]);
    if (process.env.FLIGHTDECK_RECORD_HISTORIES) return; // being recorded by the tests below
    const missing = [...shipped, ...Object.keys(fixtureInputs)].filter(
      (name) => !existsSync(path.join(historiesDirectory, `${definitionHistoryName(name)}.json`)),
    );
    expect(missing).toEqual([]);
  });

  it.each(Object.entries({ ...shippedExampleInputs, ...fixtureInputs }))('runs %s to completion (and records its history)', async (definition, example) => {
    const input: unknown = typeof example === 'function' ? (example as () => unknown)() : example;
    const runId = await startRun(stack, { definition, input });
    for (const text of messagesWhileRecording[definition] ?? []) {
      expect((await stack.request('POST', `/v1/runs/${runId}/messages`, { text })).status).toBe(202);
    }
    await grantApprovals(runId, approvalsGranted[definition] ?? []);
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    if (!process.env.FLIGHTDECK_RECORD_HISTORIES) return;
    // The log can hold run.completed before Temporal's history holds the task that wrote it: record the closed workflow.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const handle = new Client({ connection }).workflow.getHandle(runId);
      await until(async () => (await handle.describe()).status.name, { message: `workflow ${runId} to close`, done: (status) => status === 'COMPLETED' });
    } finally {
      await connection.close();
    }
    await saveHistoryFixture(definitionHistoryName(definition), runId);
  });
});
