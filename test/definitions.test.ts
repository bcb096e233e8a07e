/**
 * Runs written in TypeScript (`defineRun`, test/fixtures/definitions/) on the real stack: the API
 * checks the input against the definition's schema, the worker runs the bundled definition, and
 * every call lands in the log as a plan step's would.
 */
import type { RunEvent } from '../lib/events';
import { callAs, eventsOf, startRun, typesOf, waitForEnd, waitForEvents, runCountOf } from './run-helpers';
import { saveHistoryFixture } from './history-fixtures';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

const stepsOf = (events: RunEvent[]) => events.filter((event) => event.type === 'step.started').map((event) => (event.data as { stepId: string }).stepId);

describe('run definitions (defineRun) on the real dev server', () => {
  const stack = useTestStack();

  it('lists the definitions with their input JSON Schemas', async () => {
    const { status, body } = await stack.request('GET', '/v1/definitions');
    expect(status).toBe(200);
    const names = body.definitions.map((definition: { name: string }) => definition.name);
    expect(names).toEqual(expect.arrayContaining(['asks-approval', 'bad-output', 'echo-twice', 'emitter', 'fan-out', 'listener', 'sleeper', 'throws']));
    expect(names).toEqual([...names].sort());
    const echoTwice = body.definitions.find((definition: { name: string }) => definition.name === 'echo-twice');
    expect(echoTwice).toMatchObject({
      description: 'Echoes a word twice in parallel, then joins the echoes.',
      inputSchema: { type: 'object', properties: { word: { type: 'string', minLength: 1 } }, required: ['word'] },
      outputSchema: { type: 'object', properties: { joined: { type: 'string' } } },
    });
  });

  it('runs a definition: parallel calls named <tool>#<n>, a named step, the output checked by its schema', async () => {
    const runId = await startRun(stack, { definition: 'echo-twice', input: { word: 'hi' } });
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    expect(events.at(-1)?.data).toEqual({ output: { joined: 'hi-HI' } });
    expect(stepsOf(events).sort()).toEqual(['builtin.echo#1', 'builtin.echo#2', 'join']);
    expect(events.filter((event) => event.type === 'tool.call.succeeded')).toHaveLength(3);
    const run = (await stack.request('GET', `/v1/runs/${runId}`)).body.run;
    expect(run).toMatchObject({ status: 'completed', mode: 'definition', spec: { definition: 'echo-twice', input: { word: 'hi' } } });
  });

  it("records the run's start in its first call's append, or on its own before a wait that may be long", async () => {
    const foldedId = await startRun(stack, { definition: 'echo-twice', input: { word: 'fold' } });
    const folded = await waitForEnd(stack, foldedId);
    expect(typesOf(folded).slice(0, 3)).toEqual(['run.created', 'run.started', 'step.started']);
    // One append, one timestamp: no transaction of its own for the start (run.created is the API's, at the POST).
    expect(folded[1]!.at).toBe(folded[2]!.at);

    const listening = await startRun(stack, { definition: 'listener', input: {} });
    const started = await waitForEvents(stack, listening, (events) => typesOf(events).includes('run.started'));
    expect(typesOf(started)).toEqual(['run.created', 'run.started']);
    expect((await stack.request('POST', `/v1/runs/${listening}/messages`, { text: 'bye' })).status).toBe(202);
    expect(typesOf(await waitForEnd(stack, listening)).at(-1)).toBe('run.completed');
    await saveHistoryFixture('definition-folded-start', foldedId);
    await saveHistoryFixture('definition-folded-start-before-wait', listening);
  });

  it('fans out under a concurrency limit, results in the items’ order', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const runId = await startRun(stack, { definition: 'fan-out', input: { items, concurrency: 2 } });
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.data).toEqual({ output: { items } });
    expect(stepsOf(events)).toHaveLength(5);
  });

  it('refuses input that does not fit the schema with 400 and the issues; nothing is started or written', async () => {
    const before = await runCountOf(stack);
    const refused = await stack.request('POST', '/v1/runs', { definition: 'echo-twice', input: { word: '' }, idempotencyKey: 'bad-word' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', message: 'input does not fit the definition "echo-twice"' });
    expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'input.word' })]);
    const missing = await stack.request('POST', '/v1/runs', { definition: 'echo-twice' });
    expect(missing.status).toBe(400);
    expect(await runCountOf(stack)).toBe(before);
  });

  it('answers an unknown definition with 404 naming the known ones', async () => {
    const { status, body } = await stack.request('POST', '/v1/runs', { definition: 'no-such-run', input: {} });
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('echo-twice');
    expect(body.error.details.known).toEqual(expect.arrayContaining(['echo-twice', 'fan-out']));
  });

  it('is idempotent like every start', async () => {
    const spec = { definition: 'echo-twice', input: { word: 'again' }, idempotencyKey: 'echo-again' };
    const first = await stack.request('POST', '/v1/runs', spec);
    const second = await stack.request('POST', '/v1/runs', spec);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.run.id).toBe(first.body.run.id);
    const other = await stack.request('POST', '/v1/runs', { ...spec, input: { word: 'different' } });
    expect(other.status).toBe(409);
  });

  it('fails a run whose definition throws with its message, once, no retry loop', async () => {
    const runId = await startRun(stack, { definition: 'throws', input: {} });
    const events = await waitForEnd(stack, runId);
    const failed = events.find((event) => event.type === 'run.failed');
    expect(failed?.data).toMatchObject({
      error: { errorClass: 'DefinitionFailed', message: 'definition "throws" threw: the refund ledger is closed', retryable: false },
    });
    expect(events.filter((event) => event.type === 'run.failed')).toHaveLength(1);
  });

  it('fails a run whose output its schema refuses with OutputInvalid', async () => {
    const runId = await startRun(stack, { definition: 'bad-output', input: {} });
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)).toMatchObject({ type: 'run.failed', data: { error: { errorClass: 'OutputInvalid' } } });
  });

  it('cancels a sleeping definition; its defaults fill the tags the spec leaves out', async () => {
    const runId = await startRun(stack, { definition: 'sleeper' });
    await waitForEvents(stack, runId, (events) => events.some((event) => event.type === 'tool.call.succeeded'));
    expect((await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'enough' })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.cancelled');
    expect((await stack.request('GET', `/v1/runs/${runId}`)).body.run.tags).toEqual(['sleepy']);
    expect(stepsOf(await eventsOf(stack, runId))).toEqual(['before']);
  });

  describe('ctx.emit', () => {
    it('records custom.<name> events in order, redacted, on the stream and through the typed client', async () => {
      const stream = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
      try {
        const runId = await startRun(stack, { definition: 'emitter', input: { items: ['a', 'b'] } });
        stream.send({ type: 'subscribe', runId, afterSeq: 0 });
        const events = await waitForEnd(stack, runId);
        expect(typesOf(events)).toEqual(['run.created', 'run.started', 'custom.progress', 'custom.progress', 'custom.summary.ready', 'run.completed']);
        expect(events.filter((event) => event.type === 'custom.progress').map((event) => event.data)).toEqual([
          { done: 1, of: 2, item: 'a' },
          { done: 2, of: 2, item: 'b' },
        ]);
        expect(events.find((event) => event.type === 'custom.summary.ready')?.data).toEqual({ items: ['a', 'b'], apiKey: '[REDACTED]' });
        // The typed client parses them (its event schema accepts custom.<name>), and so does the stream's frame.
        const page = await stack.client.listEvents(runId);
        expect(page.events.map((event) => event.type)).toContain('custom.summary.ready');
        await stream.waitFor(() => stream.events(runId).some((frame) => frame.event.type === 'run.completed'));
        expect(stream.events(runId).map((frame) => frame.event.type)).toContain('custom.progress');
        expect((await stack.request('GET', `/v1/runs/${runId}/verify`)).body.ok).toBe(true);
      } finally {
        await stream.close();
      }
    });

    it('stops the run on a name the log refuses, before anything of it is recorded', async () => {
      const runId = await startRun(stack, { definition: 'emitter', input: { items: [], badName: 'Not A Name' } });
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.failed', data: { error: { errorClass: 'InvalidInput' } } });
      expect((events.at(-1)?.data as { error: { message: string } }).error.message).toContain('ctx.emit("Not A Name")');
      expect(typesOf(events).filter((type) => type.startsWith('custom.'))).toEqual(['custom.summary.ready']);
    });

    it('stops the run on data over the size cap, unrecorded', async () => {
      const runId = await startRun(stack, { definition: 'emitter', input: { items: [], oversizeBytes: 70_000 } });
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.failed', data: { error: { errorClass: 'InvalidInput' } } });
      expect((events.at(-1)?.data as { error: { message: string } }).error.message).toContain('larger than 65536 bytes');
      expect(typesOf(events)).not.toContain('custom.big');
    });
  });

  describe('ctx.approval', () => {
    const keys: Record<string, string> = {};
    beforeAll(async () => {
      for (const name of ['approver1', 'approver2']) keys[name] = (await stack.request('POST', '/v1/admin/keys', { name, role: 'approver' })).body.key;
    });
    const approvalOf = (runId: string) => `${runId}:refund`;
    const decide = (key: string, runId: string, body: unknown) =>
      callAs(stack, key, 'POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(approvalOf(runId))}`, body);
    const awaitRequest = (runId: string) => waitForEvents(stack, runId, (events) => typesOf(events).includes('approval.requested'));

    it('is a tool-less gate in the approvals inbox, decided by a quorum (an edit included), never by the run’s creator', async () => {
      const runId = await startRun(stack, { definition: 'asks-approval', input: { amount: 12, required: 2 } });
      const requested = (await awaitRequest(runId)).find((event) => event.type === 'approval.requested');
      expect(requested?.data).toMatchObject({
        approvalId: approvalOf(runId),
        stepId: 'refund',
        tool: null,
        title: 'Refund 12 EUR?',
        args: { amount: 12 },
        required: 2,
      });
      expect((await stack.request('GET', `/v1/runs/${runId}`)).body.run.status).toBe('awaiting_approval');
      const [approval] = await stack.client.listApprovals({ runId, status: ['pending'] });
      expect(approval).toMatchObject({
        id: approvalOf(runId),
        tool: null,
        title: 'Refund 12 EUR?',
        args: { amount: 12 },
        approvers: ['approver'],
        required: 2,
      });

      const own = await stack.request('POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(approvalOf(runId))}`, { decision: 'approve' });
      expect(own.status).toBe(403);
      expect(own.body.error.details.reason).toBe('self_approval');
      expect((await decide(keys.approver1!, runId, { decision: 'approve', args: { amount: 10 }, comment: 'ten will do' })).status).toBe(202);
      expect((await stack.client.listApprovals({ runId }))[0]).toMatchObject({ status: 'pending', approvals: 1, currentArgs: { amount: 10 } });
      expect((await decide(keys.approver2!, runId, { decision: 'approve', comment: 'ok' })).status).toBe(202);

      const events = await waitForEnd(stack, runId);
      expect(typesOf(events).at(-1)).toBe('run.completed');
      const { output } = events.at(-1)!.data as { output: { refunded: boolean; decision: Record<string, unknown> } };
      expect(output).toMatchObject({
        refunded: true,
        decision: { approved: true, comment: 'ok', data: { amount: 10 }, edited: true, expired: false },
      });
      expect((output.decision.by as Array<{ name: string }>).map((actor) => actor.name)).toEqual(['approver1', 'approver2']);
      expect(events.find((event) => event.type === 'tool.call.started' && event.data.stepId === 'pay')?.data.args).toEqual({ refund: 10 });
      expect((await stack.client.listApprovals({ runId }))[0]).toMatchObject({ status: 'approved' });
    });

    it('hands a rejection back to the definition, which goes on without paying', async () => {
      const runId = await startRun(stack, { definition: 'asks-approval', input: { amount: 500 } });
      await awaitRequest(runId);
      expect((await decide(keys.approver1!, runId, { decision: 'reject', comment: 'too much' })).status).toBe(202);
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({
        type: 'run.completed',
        data: { output: { refunded: false, decision: { approved: false, comment: 'too much', data: { amount: 500 }, expired: false } } },
      });
      expect(stepsOf(events)).toEqual([]);
    });

    it('fails the run at its deadline with onTimeout: fail', async () => {
      const runId = await startRun(stack, { definition: 'asks-approval', input: { amount: 1, timeout: '1s', onTimeout: 'fail' } });
      const events = await waitForEnd(stack, runId);
      expect(typesOf(events)).toContain('approval.expired');
      expect(events.at(-1)).toMatchObject({ type: 'run.failed', data: { error: { errorClass: 'ApprovalExpired', step: 'refund' } } });
    });
  });

  describe('ctx.waitForMessage', () => {
    it('takes the chat messages sent to the run in order (those sent before it waits too), each recorded with who sent it', async () => {
      const runId = await startRun(stack, { definition: 'listener', input: {} });
      for (const text of ['hello', 'how are you', 'bye']) {
        expect((await stack.request('POST', `/v1/runs/${runId}/messages`, { text })).status).toBe(202);
      }
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { heard: ['hello', 'how are you', 'bye'], timedOut: false } } });
      const received = events.filter((event) => event.type === 'message.received');
      expect(received.map((event) => event.data)).toEqual([
        { index: 1, text: 'hello' },
        { index: 2, text: 'how are you' },
        { index: 3, text: 'bye' },
      ]);
      expect(received[0]?.actor).toMatchObject({ type: 'api_key' });
      // Each message is taken (message.received) before the definition acts on it.
      expect(typesOf(events).filter((type) => type === 'message.received' || type === 'custom.heard')).toEqual([
        'message.received',
        'custom.heard',
        'message.received',
        'custom.heard',
        'message.received',
        'custom.heard',
      ]);
    });

    it('gives null when no message comes within the timeout', async () => {
      const runId = await startRun(stack, { definition: 'listener', input: { timeout: '1s' } });
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { heard: [], timedOut: true } } });
      expect(typesOf(events)).not.toContain('message.received');
    });

    it('still refuses messages to plan runs', async () => {
      const runId = await startRun(stack, { plan: { steps: [{ id: 'wait', tool: 'builtin.wait', args: { seconds: 30 } }] } });
      const refused = await stack.request('POST', `/v1/runs/${runId}/messages`, { text: 'hi' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toContain('only agent and definition runs take messages');
      await stack.request('POST', `/v1/runs/${runId}/cancel`, {});
    });
  });
});
