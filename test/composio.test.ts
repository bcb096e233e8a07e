import { createToolRegistry } from '../tools/default-registry';
import type { RunEvent } from '../lib/events';
import { createLogger } from '../lib/logger';
import { composioUserIdOf } from '../tools/composio/composio-users';
import { answerStatus, connectedAccountMissing, FakeComposioServer, reportFailure, succeed, type FakeComposioTool } from './fake-composio-server';
import { saveHistoryFixture } from './history-fixtures';
import { callAs, startRun, waitForEnd, waitForEvents, expectEventTypes } from './run-helpers';
import { useTestStack } from './stack';
import { sleep } from './wait';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);

const apiKey = 'composio-test-key';
const createIssue: FakeComposioTool = {
  slug: 'GITHUB_CREATE_AN_ISSUE',
  toolkit: 'github',
  description: 'Creates an issue in a GitHub repository.',
  inputParameters: {
    type: 'object',
    properties: { owner: { type: 'string' }, repo: { type: 'string' }, title: { type: 'string' }, body: { type: 'string' } },
    required: ['owner', 'repo', 'title'],
  },
};
const sendMessage: FakeComposioTool = {
  slug: 'SLACK_SEND_MESSAGE',
  toolkit: 'slack',
  description: 'Posts a message to a Slack channel.',
  inputParameters: { type: 'object', properties: { channel: { type: 'string' }, text: { type: 'string' } }, required: ['channel', 'text'] },
  version: '20250901_01',
};
const issueArgs = { owner: 'acme', repo: 'flightdeck', title: 'Broken build' };

/** Every URL fetched in this process while the suite runs, to prove none leaves loopback. */
const fetched: string[] = [];
const realFetch = globalThis.fetch;

describe('Composio tools (against a test double of the Composio API)', () => {
  let fake: FakeComposioServer;
  const planWith = (stepId: string, tool: string, args: unknown) => ({ userId: 'user-1', plan: { steps: [{ id: stepId, tool, args }] } });

  beforeAll(async () => {
    globalThis.fetch = (input, init) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return realFetch(input, init);
    };
    fake = await new FakeComposioServer(apiKey, [createIssue, sendMessage]).start();
  });
  const stack = useTestStack(() => ({ env: { COMPOSIO_API_KEY: apiKey, COMPOSIO_BASE_URL: fake.url, COMPOSIO_TOOLKITS: 'github@20251027_00,slack' } }));
  afterAll(async () => {
    await fake?.stop();
    globalThis.fetch = realFetch;
  });

  it("lists the configured toolkits' tools in GET /v1/tools with Composio's JSON Schemas", async () => {
    const response = await stack.request('GET', '/v1/tools');
    const composio = response.body.tools.filter((tool: { provider: string }) => tool.provider === 'composio');
    expect(composio.map((tool: { name: string }) => tool.name)).toEqual(['composio.GITHUB_CREATE_AN_ISSUE', 'composio.SLACK_SEND_MESSAGE']);
    expect(composio[0]).toMatchObject({ description: createIssue.description, inputSchema: createIssue.inputParameters, requiresApproval: false });
    const catalogReads = fake.requests.filter((request) => request.path === '/api/v3.1/tools');
    expect(catalogReads.map((request) => request.query.toolkit_slug).sort()).toEqual(['github', 'slack']);
    expect(catalogReads[0]?.query['toolkit_versions[github]']).toBe('20251027_00');
  });

  it("rejects a plan whose literal args do not fit the tool's schema with 422, before any run", async () => {
    const response = await stack.request('POST', '/v1/runs', planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', { owner: 'acme' }));
    expect(response.status).toBe(422);
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(
      expect.arrayContaining(['plan.steps.0.args.repo', 'plan.steps.0.args.title']),
    );
  });

  it("runs a plan step as composio.<SLUG> for the run's tenant's user, pinned version and idempotency key in the log", async () => {
    fake.script(createIssue.slug, [succeed({ number: 42 })]);
    const runId = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(dataOf(events, 'tool.call.started')[0]).toMatchObject({ tool: 'composio.GITHUB_CREATE_AN_ISSUE', args: issueArgs, idempotencyKey: `${runId}/open` });
    expect(dataOf(events, 'tool.call.succeeded')[0].output).toEqual({ data: { number: 42, echoedArguments: issueArgs }, logId: expect.any(String) });
    const execution = fake.executionsOf(createIssue.slug).at(-1);
    expect(execution?.body).toEqual({ arguments: issueArgs, user_id: `${stack.tenantId}:user-1`, version: '20251027_00' });
    expect(execution?.apiKey).toBe(apiKey);
  });

  it("acts for another tenant's own user when its run names the same userId: Composio never sees a bare userId", async () => {
    const otherTenant = `composio-other-${process.pid}-${Date.now()}`;
    const key = (await stack.request('POST', '/v1/admin/keys', { name: 'other operator', role: 'operator', tenantId: otherTenant })).body.key as string;
    const started = await callAs(stack, key, 'POST', '/v1/runs', planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    expect(started.status).toBe(201);
    const events = await waitForEnd({ stack, key }, started.body.run.id);
    expect(events.at(-1)?.type).toBe('run.completed');
    const execution = fake.executionsOf(createIssue.slug).at(-1);
    expect(execution?.body).toMatchObject({ user_id: composioUserIdOf(otherTenant, 'user-1') });
    expect(composioUserIdOf(otherTenant, 'user-1')).not.toBe(composioUserIdOf(stack.tenantId, 'user-1'));
    expect(fake.executionsOf(createIssue.slug).filter((request) => request.body?.user_id === 'user-1')).toEqual([]);
  });

  it("executes an unpinned toolkit's tool at the version the catalog listed", async () => {
    const runId = await startRun(stack, planWith('post', 'composio.SLACK_SEND_MESSAGE', { channel: '#ops', text: 'hi' }));
    expect((await waitForEnd(stack, runId)).at(-1)?.type).toBe('run.completed');
    expect(fake.executionsOf(sendMessage.slug).at(-1)?.body).toMatchObject({ version: '20250901_01', user_id: composioUserIdOf(stack.tenantId, 'user-1') });
  });

  it('honours Retry-After from a 429 as the next retry delay', async () => {
    fake.script(createIssue.slug, [answerStatus(429, 'Rate limit exceeded', { retryAfter: '1' }), succeed({ number: 43 })]);
    const runId = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.failed')[0]).toMatchObject({
      attempt: 1,
      error: { errorClass: 'RateLimited', retryable: true, nextRetryDelayMs: 1000, message: expect.stringContaining('Rate limit exceeded') },
    });
    const [failed, retried] = [events.find((event) => event.type === 'tool.call.failed')!, events.filter((event) => event.type === 'tool.call.started')[1]!];
    expect(new Date(retried.at).getTime() - new Date(failed.at).getTime()).toBeGreaterThanOrEqual(900);
    expect(dataOf(events, 'tool.call.started').map((data) => data.idempotencyKey)).toEqual([`${runId}/open`, `${runId}/open`]);
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it('retries a 500 with backoff', async () => {
    fake.script(createIssue.slug, [answerStatus(500, 'Internal error'), succeed({ number: 44 })]);
    const runId = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.failed').map((data) => data.error)).toEqual([
      expect.objectContaining({ errorClass: 'ServerError', retryable: true, nextRetryDelayMs: 1000 }),
    ]);
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it("fails at once on a 401 with Composio's own message", async () => {
    fake.script(createIssue.slug, [answerStatus(401, 'API key lacks access to project prj_1')]);
    const runId = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.failed')).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ errorClass: 'ClientError', retryable: false, nextRetryDelayMs: null }) }),
    ]);
    expect(dataOf(events, 'run.failed')[0].error.message).toContain('API key lacks access to project prj_1');
  });

  it("waits in awaiting_connection when the user has no usable account, and fails with ConnectionRequired after the step's deadline", async () => {
    fake.script(createIssue.slug, [connectedAccountMissing('user-1')]);
    const spec = planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs);
    const runId = await startRun(stack, { ...spec, plan: { steps: [{ ...spec.plan.steps[0], connectionTimeout: '1s' }] } });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, ['tool.call.started', 'tool.call.failed', 'connection.required', 'connection.expired', 'run.failed'], { from: 3 });
    expect(dataOf(events, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'ConnectionRequired', retryable: false });
    expect(dataOf(events, 'connection.required')[0]).toMatchObject({
      stepId: 'open',
      toolkit: 'github',
      userId: 'user-1',
      timeout: '1s',
      message: expect.stringContaining('No connected account found for user user-1'),
      connect: { method: 'POST', path: '/v1/connections', body: { userId: 'user-1', authConfigId: '<a Composio auth config of github>' } },
    });
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'ConnectionRequired',
      message: expect.stringContaining('none was connected within 1s'),
    });
    expect(fake.executionsOf(createIssue.slug).filter((request) => request.at >= new Date(events[0]!.at).getTime())).toHaveLength(1);
    await saveHistoryFixture('connection-expired', runId);
  });

  it("holds a key after a 429 until Retry-After passes: the key's other calls wait instead of hitting Composio", async () => {
    // A hold long enough that the second run reaches Composio within it even on a loaded machine.
    fake.script(createIssue.slug, [answerStatus(429, 'Rate limit exceeded', { retryAfter: '5' })]);
    const first = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    await waitForEvents(stack, first, (events) => dataOf(events, 'tool.call.failed').length > 0);
    const limited = fake.executionsOf(createIssue.slug).at(-1)!;
    const second = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', { ...issueArgs, title: 'Second' }));
    const [firstEvents, secondEvents] = [await waitForEnd(stack, first), await waitForEnd(stack, second)];
    expect([firstEvents.at(-1)?.type, secondEvents.at(-1)?.type]).toEqual(['run.completed', 'run.completed']);
    // The second run's first attempt found the key held and did not call Composio: its wait is in the log.
    expect(dataOf(secondEvents, 'tool.call.failed')[0]).toMatchObject({
      attempt: 1,
      error: { errorClass: 'LimitWait', retryable: true, nextRetryDelayMs: expect.any(Number), message: expect.stringContaining('held after a 429') },
    });
    const secondExecutions = fake.executionsOf(createIssue.slug).filter((request) => (request.body?.arguments as { title?: string }).title === 'Second');
    expect(secondExecutions).toHaveLength(1);
    expect(secondExecutions[0]!.at).toBeGreaterThanOrEqual(limited.at + 5000 - 5);
    await saveHistoryFixture('limit-wait', second);
  });

  it('answers 422 for a run that uses Composio tools without a userId, plan or agent', async () => {
    const plan = await stack.request('POST', '/v1/runs', { plan: { steps: [{ id: 'open', tool: 'composio.GITHUB_CREATE_AN_ISSUE', args: issueArgs }] } });
    expect(plan.status).toBe(422);
    expect(plan.body.error.details).toEqual([{ path: 'userId', message: expect.stringContaining('composio.GITHUB_CREATE_AN_ISSUE') }]);
    const agent = await stack.request('POST', '/v1/runs', {
      agent: { model: 'm', instructions: 'help', tools: ['builtin.echo', 'composio.SLACK_SEND_MESSAGE'] },
    });
    expect(agent.status).toBe(422);
    expect(agent.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['userId']);
  });

  it("turns successful:false into a final failure carrying Composio's error text", async () => {
    fake.script(createIssue.slug, [reportFailure('Repository acme/flightdeck is archived')]);
    const runId = await startRun(stack, planWith('open', 'composio.GITHUB_CREATE_AN_ISSUE', issueArgs));
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.failed')).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ errorClass: 'ToolFailed', retryable: false, message: expect.stringContaining('is archived') }),
      }),
    ]);
  });

  it('sends nothing beyond loopback: every fetch went to the test double or our own API', async () => {
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(fetched.some((url) => url.startsWith(fake.url))).toBe(true);
    expect(fake.requests.every((request) => request.apiKey === apiKey)).toBe(true);
  });
});

describe('Composio catalog outages', () => {
  it('starts without the catalog when Composio is down, and loads it on a later use', async () => {
    const fake = await new FakeComposioServer(apiKey, [createIssue]).start();
    try {
      fake.catalogOutages = 100;
      const tools = await createToolRegistry({
        env: { COMPOSIO_API_KEY: apiKey, COMPOSIO_BASE_URL: fake.url, COMPOSIO_TOOLKITS: [{ slug: 'github', version: '20251027_00' }] },
        log: createLogger('test', 'silent'),
        composioRetryAfterFailureMs: 50,
      });
      expect(tools.has('composio.GITHUB_CREATE_AN_ISSUE')).toBe(false);
      await expect(tools.resolve('composio.GITHUB_CREATE_AN_ISSUE')).rejects.toMatchObject({ type: 'CatalogUnavailable', nonRetryable: false });
      fake.catalogOutages = 0;
      await sleep(60);
      expect((await tools.resolve('composio.GITHUB_CREATE_AN_ISSUE'))?.name).toBe('composio.GITHUB_CREATE_AN_ISSUE');
    } finally {
      await fake.stop();
    }
  });
});
