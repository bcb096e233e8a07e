import { FlightdeckApiError, FlightdeckClient, FlightdeckUnreachableError, type RunEvent } from '../lib/api-client';
import { freePort } from '../scripts/free-port';
import { answer, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { waitForEvents } from './run-helpers';
import { useTestStack } from './stack';

const echoSpec = (message: string) => ({ plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message } }] } });
const waitSpec = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };

/** The error a call rejected with, which must be a FlightdeckApiError. */
async function apiErrorOf(call: Promise<unknown>): Promise<FlightdeckApiError> {
  const error = await call.then(
    () => new Error('expected the call to fail'),
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(FlightdeckApiError);
  return error as FlightdeckApiError;
}

describe('FlightdeckClient against the real API', () => {
  let model: FakeChatCompletionsServer;
  let client: FlightdeckClient;
  /** Follows the run until it ends; resolves with how it ended. */
  const toEnd = (runId: string, onEvent: (event: RunEvent) => void | Promise<void> = () => undefined) => client.watchRun(runId, { onEvent });

  beforeAll(async () => {
    model = await new FakeChatCompletionsServer().start();
  });
  const stack = useTestStack(() => ({ env: { MODEL_BASE_URL: model.baseUrl, MODEL_API_KEY: 'test-model-key' } }));
  beforeAll(async () => {
    client = stack.client;
  });
  afterAll(async () => {
    await model?.stop();
  });

  it('starts a run (201, then 200 for the same idempotency key), reads it and pages its events', async () => {
    const spec = { ...echoSpec('hi'), name: 'client echo', idempotencyKey: `client-${Date.now()}` };
    const first = await client.startRun(spec);
    expect(first.created).toBe(true);
    expect(first.run).toMatchObject({ name: 'client echo', mode: 'plan', tags: [] });
    expect(first.run.spec.plan?.steps[0]).toEqual({ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } });
    const again = await client.startRun(spec);
    expect(again).toMatchObject({ created: false, run: { id: first.run.id } });

    expect(await toEnd(first.run.id)).toEqual({ outcome: 'ended', status: 'completed', lastSeq: 6 });
    const run = await client.getRun(first.run.id);
    expect(run).toMatchObject({ status: 'completed', lastSeq: 6, output: { say: { message: 'hi' } }, toolCalls: { succeeded: 1 } });
    expect(run.completedAt).not.toBeNull();

    const head = await client.listEvents(run.id, { limit: 4 });
    expect(head.events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    expect(head).toMatchObject({ nextAfterSeq: 4, lastSeq: 6 });
    const tail = await client.listEvents(run.id, { afterSeq: head.nextAfterSeq });
    expect(tail.events.map((event) => event.type)).toEqual(['tool.call.succeeded', 'run.completed']);
    expect(tail.nextAfterSeq).toBe(6);
  });

  it('lists runs by status, tags, tool, text and time, and pages with a cursor', async () => {
    const alpha = (await client.startRun({ ...echoSpec('a'), name: 'Client Alpha', tags: ['client-list', 'alpha'] })).run.id;
    const failing = { plan: { steps: [{ id: 'a', tool: 'builtin.flaky', args: { failures: 3 }, retry: { maxAttempts: 1 } }] } };
    const beta = (await client.startRun({ ...failing, name: 'client beta', tags: ['client-list'] })).run.id;
    expect((await toEnd(alpha)).outcome).toBe('ended');
    expect(await toEnd(beta)).toMatchObject({ status: 'failed' });

    const ids = async (filter: Parameters<FlightdeckClient['listRuns']>[0]) => (await client.listRuns(filter)).runs.map((run) => run.id);
    expect(await ids({ tag: 'client-list' })).toEqual([beta, alpha]);
    expect(await ids({ tag: ['client-list', 'alpha'] })).toEqual([alpha]);
    expect(await ids({ tag: 'client-list', status: 'failed' })).toEqual([beta]);
    expect(await ids({ tag: 'client-list', status: ['completed', 'failed'] })).toEqual([beta, alpha]);
    expect(await ids({ tool: 'builtin.flaky' })).toEqual([beta]);
    expect(await ids({ q: 'client ALPHA' })).toEqual([alpha]);
    const future = new Date(Date.now() + 60_000);
    expect(await ids({ tag: 'client-list', createdAfter: future })).toEqual([]);
    expect(await ids({ tag: 'client-list', createdBefore: future.toISOString() })).toEqual([beta, alpha]);

    const page1 = await client.listRuns({ tag: 'client-list', limit: 1 });
    expect(page1.runs.map((run) => run.id)).toEqual([beta]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await client.listRuns({ tag: 'client-list', limit: 1, cursor: page1.nextCursor ?? undefined });
    expect(page2.runs.map((run) => run.id)).toEqual([alpha]);
  });

  it('maps failures to typed errors: 400 with details, 422, 404, 409, 401, and no answer', async () => {
    const malformed = await apiErrorOf(client.startRun({ plan: { steps: [{ id: '1x', tool: 'builtin.echo' }] } }));
    expect(malformed).toMatchObject({ status: 400, code: 'validation_failed', message: 'Invalid run spec' });
    expect(malformed.details).toEqual([{ path: 'plan.steps.0.id', message: expect.stringContaining('must start with a letter') }]);

    const badQuery = await apiErrorOf(client.listRuns({ limit: 500 }));
    expect(badQuery).toMatchObject({ status: 400, code: 'validation_failed', details: [{ path: 'limit', message: expect.any(String) }] });

    const unknownTool = await apiErrorOf(client.startRun({ plan: { steps: [{ id: 'a', tool: 'builtin.nope' }] } }));
    expect(unknownTool).toMatchObject({ status: 422, code: 'validation_failed', details: [{ path: 'plan.steps.0.tool' }] });

    for (const call of [client.getRun('run_missing'), client.listEvents('run_missing'), client.cancelRun('run_missing'), client.revokeKey('key_missing')]) {
      expect(await apiErrorOf(call)).toMatchObject({ status: 404, code: 'not_found' });
    }

    const stranger = new FlightdeckClient({ baseUrl: stack.apiUrl, apiKey: 'not-a-key-0123456789' });
    const unauthenticated = await apiErrorOf(stranger.listRuns());
    expect(unauthenticated).toMatchObject({ status: 401, code: 'unauthenticated', message: 'invalid or revoked API key' });

    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await new FlightdeckClient({ baseUrl: nowhere, apiKey: 'x' }).health().catch((error: unknown) => error);
    expect(unreachable).toBeInstanceOf(FlightdeckUnreachableError);
    expect(unreachable).toMatchObject({ url: nowhere, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('cancels and terminates runs, and sends messages to agent runs only', async () => {
    const napping = (await client.startRun(waitSpec)).run.id;
    let cancelled: Awaited<ReturnType<FlightdeckClient['cancelRun']>> | undefined;
    const cancelledEnd = await toEnd(napping, async (event) => {
      if (event.type === 'tool.call.started') cancelled = await client.cancelRun(napping, 'client test');
    });
    expect(cancelled).toMatchObject({ id: napping, status: 'running' });
    expect(cancelledEnd).toMatchObject({ outcome: 'ended', status: 'cancelled' });
    const requested = (await client.listEvents(napping)).events.find((event) => event.type === 'run.cancel_requested');
    expect(requested?.data).toEqual({ reason: 'client test' });
    expect(await apiErrorOf(client.cancelRun(napping))).toMatchObject({ status: 409, code: 'conflict', details: { status: 'cancelled' } });

    const stuck = (await client.startRun(waitSpec)).run.id;
    await waitForEvents(stack, stuck, (events) => events.some((event) => event.type === 'tool.call.started'));
    expect((await client.terminateRun(stuck, 'ops')).id).toBe(stuck);
    expect(await toEnd(stuck)).toMatchObject({ status: 'terminated' });
    expect(await apiErrorOf(client.sendMessage(stuck, 'hello?'))).toMatchObject({ status: 409, code: 'conflict' });

    model.script('client-chat', [answer('hello'), answer('noted')]);
    const chat = (await client.startRun({ agent: { model: 'client-chat', instructions: 'Chat.', conversational: true, idleTimeout: '1m' } })).run.id;
    await waitForEvents(stack, chat, (events) => events.some((event) => event.type === 'model.called'));
    expect((await client.sendMessage(chat, 'remember this')).mode).toBe('agent');
    const events = await waitForEvents(stack, chat, (all) => all.some((event) => event.type === 'message.received'));
    expect(events.find((event) => event.type === 'message.received')?.data).toMatchObject({ text: 'remember this' });
    await client.terminateRun(chat);
  });

  it('creates, lists and revokes keys; a viewer key reads but cannot start runs; a revoked key is refused', async () => {
    const created = await client.createKey({ name: 'client viewer', role: 'viewer' });
    expect(created.key).toMatch(/^fd_/);
    expect(created.apiKey).toMatchObject({ name: 'client viewer', role: 'viewer', tenantId: stack.tenantId, revokedAt: null });
    const viewer = new FlightdeckClient({ baseUrl: stack.apiUrl, apiKey: created.key });
    expect(Array.isArray((await viewer.listRuns({ limit: 1 })).runs)).toBe(true);
    const forbidden = await apiErrorOf(viewer.startRun(echoSpec('no')));
    expect(forbidden).toMatchObject({ status: 403, code: 'forbidden', details: { required: 'operator', role: 'viewer' } });
    expect((await client.listKeys()).map((key) => key.id)).toContain(created.apiKey.id);

    const otherTenant = `client-other-${Date.now()}`;
    const otherAdmin = await client.createKey({ name: 'other admin', role: 'admin', tenantId: otherTenant });
    expect((await client.listKeys(otherTenant)).map((key) => key.name)).toEqual(['other admin']);
    expect((await client.revokeKey(otherAdmin.apiKey.id, otherTenant)).revokedAt).not.toBeNull();

    const revoked = await client.revokeKey(created.apiKey.id);
    expect(revoked).toMatchObject({ id: created.apiKey.id, revokedAt: expect.any(String) });
    expect(await apiErrorOf(viewer.listRuns())).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('reads the tool catalog, liveness and readiness', async () => {
    const tools = await client.listTools();
    expect(tools.find((tool) => tool.name === 'builtin.wait')).toMatchObject({ provider: 'builtin', requiresApproval: false, inputSchema: { type: 'object' } });
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(await client.ready()).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });
});
