/**
 * Composio connected accounts through the API, against the Composio test double with connections
 * enforced (an execution without an ACTIVE account answers code 1803, as Composio does): listing and
 * starting connections, a run waiting in `awaiting_connection` and resuming when the account turns
 * ACTIVE — through `POST /v1/connections/sync` and through the API's poller.
 */
import { type Client, Connection } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import { composioUserIdOf } from '../tools/composio/composio-users';
import { FakeComposioServer, githubCreateIssue } from './fake-composio-server';
import { saveHistoryFixture } from './history-fixtures';
import { callAs, eventsOf, searchStatusOf, signingClient, startRun, typesOf, waitForEnd, waitForEvents, expectEventTypes, type RunReader } from './run-helpers';
import { startTestStack, useTestStack } from './stack';
import { sleep } from './wait';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const apiKey = 'composio-connections-key';
const issuePlan = (userId: string) => ({ userId, plan: { steps: [{ id: 'open', tool: 'composio.GITHUB_CREATE_AN_ISSUE', args: { title: 'Broken build' } }] } });
const awaitConnectionRequired = (reader: RunReader, runId: string) => waitForEvents(reader, runId, (events) => typesOf(events).includes('connection.required'));

describe('Composio connections: list, connect, resume waiting runs', () => {
  let fake: FakeComposioServer;
  let temporal: Client;
  let connection: Connection;
  const keys: Record<string, string> = {};
  /** A second tenant: its users share userIds with the stack's tenant's, never their accounts. */
  const otherTenant = `conn-other-${process.pid}-${Date.now()}`;
  const call = (key: string, method: string, path: string, body?: unknown) => callAs(stack, key, method, path, body);

  beforeAll(async () => {
    fake = await new FakeComposioServer(apiKey, [githubCreateIssue]).start();
    fake.enforceConnections = true;
    fake.authConfigs.set('ac_github', 'github');
  });
  const stack = useTestStack(
    () => ({ env: { COMPOSIO_API_KEY: apiKey, COMPOSIO_BASE_URL: fake.url, COMPOSIO_TOOLKITS: 'github@20251027_00', COMPOSIO_CONNECTION_POLL_MS: '0' } }),
    {
      beforeClose: async () => {
        await connection?.close();
      },
    },
  );
  beforeAll(async () => {
    for (const role of ['viewer', 'operator']) {
      keys[role] = (await stack.request('POST', '/v1/admin/keys', { name: role, role })).body.key;
      keys[`other-${role}`] = (await stack.request('POST', '/v1/admin/keys', { name: role, role, tenantId: otherTenant })).body.key;
    }
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    // Signed as the API's client signs: these tests are about what the workflow makes of a signal's content.
    temporal = signingClient(connection);
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it("starts a connection (operator) and lists the user's accounts (viewer); bad input is 400/422, roles are checked", async () => {
    expect((await call(keys.viewer!, 'GET', '/v1/connections?userId=conn-list')).body).toEqual({ connections: [] });
    expect((await call(keys.viewer!, 'POST', '/v1/connections', { userId: 'conn-list', authConfigId: 'ac_github' })).status).toBe(403);
    const started = await call(keys.operator!, 'POST', '/v1/connections', {
      userId: 'conn-list',
      authConfigId: 'ac_github',
      callbackUrl: 'https://app.example/done',
    });
    expect(started).toEqual({
      status: 201,
      body: { connection: { id: expect.any(String), status: 'INITIATED', redirectUrl: expect.stringContaining('https://connect.composio.dev/link/') } },
    });
    expect(fake.requests.find((request) => request.path === '/api/v3.1/connected_accounts/link')?.body).toEqual({
      auth_config_id: 'ac_github',
      user_id: composioUserIdOf(stack.tenantId, 'conn-list'),
      callback_url: 'https://app.example/done',
    });
    const listed = await stack.client.listConnections({ userId: 'conn-list' });
    expect(listed).toEqual([
      expect.objectContaining({ id: started.body.connection.id, userId: 'conn-list', toolkit: 'github', status: 'INITIATED', authConfigId: 'ac_github' }),
    ]);
    expect(await stack.client.listConnections({ userId: 'conn-list', status: ['ACTIVE'] })).toEqual([]);

    expect((await call(keys.viewer!, 'GET', '/v1/connections')).status).toBe(400);
    expect((await call(keys.operator!, 'POST', '/v1/connections', { userId: 'conn-list' })).status).toBe(400);
    expect(
      (await call(keys.operator!, 'POST', '/v1/connections', { userId: 'conn-list', authConfigId: 'ac_github', callbackUrl: 'javascript:alert(1)' })).status,
    ).toBe(400);
    const unknownConfig = await call(keys.operator!, 'POST', '/v1/connections', { userId: 'conn-list', authConfigId: 'ac_nope' });
    expect(unknownConfig.status).toBe(422);
    expect(unknownConfig.body.error.message).toContain('Auth config ac_nope not found');
  });

  it('waits in awaiting_connection for a missing account and resumes the call once the account is ACTIVE', async () => {
    const runId = await startRun(stack, issuePlan('conn-new'));
    const waiting = await awaitConnectionRequired(stack, runId);
    expect(dataOf(waiting, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'ConnectionRequired', retryable: false });
    expect(dataOf(waiting, 'connection.required')[0]).toMatchObject({ toolkit: 'github', userId: 'conn-new', timeout: '24h' });
    expect((await stack.request('GET', `/v1/runs/${runId}`)).body.run.status).toBe('awaiting_connection');
    const listed = await stack.request('GET', '/v1/runs?status=awaiting_connection');
    expect(listed.body.runs.map((run: { id: string }) => run.id)).toContain(runId);
    expect(await searchStatusOf(temporal, runId, 'awaiting_connection')).toEqual(['awaiting_connection']);

    // Nothing ACTIVE yet: sync signals nobody, and the run keeps waiting.
    const started = await stack.client.startConnection({ userId: 'conn-new', authConfigId: 'ac_github' });
    expect(await stack.client.syncConnections('conn-new')).toEqual([]);
    fake.connect(started.id);
    const resumed = await call(keys.operator!, 'POST', '/v1/connections/sync', { userId: 'conn-new' });
    expect(resumed).toEqual({ status: 200, body: { resumed: [{ runId, toolkit: 'github', connectedAccountId: started.id }] } });

    const events = await waitForEnd(stack, runId);
    expectEventTypes(
      events,
      ['tool.call.started', 'tool.call.failed', 'connection.required', 'connection.resolved', 'tool.call.started', 'tool.call.succeeded', 'run.completed'],
      { from: 3 },
    );
    const resolved = events.find((event) => event.type === 'connection.resolved')!;
    expect(resolved.data).toMatchObject({ stepId: 'open', toolkit: 'github', userId: 'conn-new', connectedAccountId: started.id });
    expect(resolved.actor).toMatchObject({ role: 'operator' });
    // The same call (same idempotency key), called again as a fresh activity.
    expect(new Set(dataOf(events, 'tool.call.started').map((data) => data.idempotencyKey))).toEqual(new Set([`${runId}/open`]));
    await saveHistoryFixture('connection-resolved', runId);
  });

  it('treats an EXPIRED account as missing, and resumes when it is reconnected; a viewer may not sync', async () => {
    const account = fake.addAccount({ userId: composioUserIdOf(stack.tenantId, 'conn-expired'), toolkit: 'github', status: 'EXPIRED' });
    const runId = await startRun(stack, issuePlan('conn-expired'));
    await awaitConnectionRequired(stack, runId);
    expect((await call(keys.viewer!, 'POST', '/v1/connections/sync', { userId: 'conn-expired' })).status).toBe(403);
    expect((await stack.client.listConnections({ userId: 'conn-expired' }))[0]).toMatchObject({ status: 'EXPIRED', statusReason: 'account is EXPIRED' });
    fake.connect(account.id);
    expect((await stack.client.syncConnections('conn-expired')).map((entry) => entry.runId)).toEqual([runId]);
    expect((await waitForEnd(stack, runId)).at(-1)?.type).toBe('run.completed');
  });

  it("lists only the caller's tenant's user's accounts, shown with the userId the caller gave", async () => {
    const own = await stack.client.startConnection({ userId: 'conn-carol', authConfigId: 'ac_github' });
    fake.connect(own.id);
    expect(await stack.client.listConnections({ userId: 'conn-carol' })).toEqual([
      expect.objectContaining({ id: own.id, userId: 'conn-carol', status: 'ACTIVE' }),
    ]);
    expect((await call(keys['other-viewer']!, 'GET', '/v1/connections?userId=conn-carol')).body).toEqual({ connections: [] });
    expect(fake.accounts.find((account) => account.id === own.id)?.userId).toBe(composioUserIdOf(stack.tenantId, 'conn-carol'));

    // The other tenant's link for the same userId is its own user's account: only its list shows it.
    const link = await call(keys['other-operator']!, 'POST', '/v1/connections', { userId: 'conn-carol', authConfigId: 'ac_github' });
    expect(link.status).toBe(201);
    expect(fake.requests.filter((request) => request.path === '/api/v3.1/connected_accounts/link').at(-1)?.body).toMatchObject({
      user_id: composioUserIdOf(otherTenant, 'conn-carol'),
    });
    expect((await stack.client.listConnections({ userId: 'conn-carol' })).map((connection) => connection.id)).toEqual([own.id]);
    expect((await call(keys['other-viewer']!, 'GET', '/v1/connections?userId=conn-carol')).body.connections).toEqual([
      expect.objectContaining({ id: link.body.connection.id, userId: 'conn-carol', status: 'INITIATED' }),
    ]);
  });

  it("runs another tenant's run that names this tenant's connected userId as its own user: it waits for its own account", async () => {
    const own = await stack.client.startConnection({ userId: 'conn-dave', authConfigId: 'ac_github' });
    fake.connect(own.id);
    const other = { stack, key: keys['other-operator']! };
    const started = await call(other.key, 'POST', '/v1/runs', issuePlan('conn-dave'));
    expect(started.status).toBe(201);
    const runId = started.body.run.id as string;
    const waiting = await awaitConnectionRequired(other, runId);
    expect(dataOf(waiting, 'connection.required')[0]).toMatchObject({ toolkit: 'github', userId: 'conn-dave' });
    const executions = fake.executionsOf(githubCreateIssue.slug).filter((request) => String(request.body?.user_id).endsWith('conn-dave'));
    expect(executions.map((request) => request.body?.user_id)).toEqual([composioUserIdOf(otherTenant, 'conn-dave')]);
    await call(other.key, 'POST', `/v1/runs/${runId}/cancel`, { reason: 'done with this test' });
    expect((await waitForEnd(other, runId)).at(-1)?.type).toBe('run.cancelled');
  });

  it("resumes another tenant's waiting run only on its own user's account, never on this tenant's of the same userId", async () => {
    const other = { stack, key: keys['other-operator']! };
    const own = await stack.client.startConnection({ userId: 'conn-alice', authConfigId: 'ac_github' });
    const started = await call(other.key, 'POST', '/v1/runs', issuePlan('conn-alice'));
    expect(started.status).toBe(201);
    const otherRun = started.body.run.id as string;
    await awaitConnectionRequired(other, otherRun);
    // This tenant's account turns ACTIVE: syncing, in either tenant, resumes nothing of the other's.
    fake.connect(own.id);
    expect((await call(other.key, 'POST', '/v1/connections/sync', { userId: 'conn-alice' })).body).toEqual({ resumed: [] });
    expect(await stack.client.syncConnections('conn-alice')).toEqual([]);
    expect((await call(other.key, 'GET', `/v1/runs/${otherRun}`)).body.run.status).toBe('awaiting_connection');

    // Its own user's account does.
    const link = await call(other.key, 'POST', '/v1/connections', { userId: 'conn-alice', authConfigId: 'ac_github' });
    expect(link.status).toBe(201);
    const otherAccount = link.body.connection.id as string;
    fake.connect(otherAccount);
    expect((await call(other.key, 'POST', '/v1/connections/sync', { userId: 'conn-alice' })).body).toEqual({
      resumed: [{ runId: otherRun, toolkit: 'github', connectedAccountId: otherAccount }],
    });
    const events = await waitForEnd(other, otherRun);
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(dataOf(events, 'connection.resolved')[0]).toMatchObject({ userId: 'conn-alice', connectedAccountId: otherAccount });
    expect(fake.executionsOf(githubCreateIssue.slug).at(-1)?.body).toMatchObject({ user_id: composioUserIdOf(otherTenant, 'conn-alice') });
  });

  it("refuses a run spec's connectedAccountId that is not its user's in its tenant, before Composio runs anything", async () => {
    const account = await stack.client.startConnection({ userId: 'conn-owner', authConfigId: 'ac_github' });
    fake.connect(account.id);
    const pinned = (userId: string) => ({ ...issuePlan(userId), connectedAccountId: account.id });
    const ownRun = await startRun(stack, pinned('conn-owner'));
    expect((await waitForEnd(stack, ownRun)).at(-1)?.type).toBe('run.completed');
    const executed = fake.executionsOf(githubCreateIssue.slug);

    // Another user of this tenant, and the other tenant's user of the same name.
    const otherStarted = await call(keys['other-operator']!, 'POST', '/v1/runs', pinned('conn-owner'));
    expect(otherStarted.status).toBe(201);
    const refused: Array<[RunReader, string, string]> = [
      [stack, await startRun(stack, pinned('conn-intruder')), 'conn-intruder'],
      [{ stack, key: keys['other-operator']! }, otherStarted.body.run.id, 'conn-owner'],
    ];
    for (const [reader, runId, userId] of refused) {
      const events = await waitForEnd(reader, runId);
      expect(dataOf(events, 'tool.call.failed')).toEqual([
        expect.objectContaining({
          error: expect.objectContaining({
            errorClass: 'ClientError',
            retryable: false,
            message: expect.stringContaining(`connected account ${account.id} is not an account of user ${userId}`),
          }),
        }),
      ]);
      expect(events.at(-1)?.type).toBe('run.failed');
    }
    expect(fake.executionsOf(githubCreateIssue.slug)).toHaveLength(executed.length);
    expect(executed.at(-1)?.body).toMatchObject({ user_id: composioUserIdOf(stack.tenantId, 'conn-owner'), connected_account_id: account.id });
  });

  it('ignores a connection signal for another user or toolkit', async () => {
    const runId = await startRun(stack, issuePlan('conn-other'));
    await awaitConnectionRequired(stack, runId);
    const handle = temporal.workflow.getHandle(runId);
    await handle.signal('connection', { userId: 'someone-else', accounts: [{ toolkit: 'github', connectedAccountId: 'ca_x' }] });
    await handle.signal('connection', { userId: 'conn-other', accounts: [{ toolkit: 'slack', connectedAccountId: 'ca_y' }] });
    await handle.signal('connection', 'not an object');
    // Give an accepted signal time to show (a connection.resolved); then end the run.
    await sleep(500);
    await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'done with this test' });
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.cancelled');
    expect(typesOf(events).filter((type) => type.startsWith('connection.') || type === 'tool.call.started')).toEqual([
      'tool.call.started',
      'connection.required',
    ]);
  });
});

describe("Composio connections: the API's poller", () => {
  /** A fake Composio that wants connections, and a stack polling it every 200 ms. */
  const startPolling = async () => {
    const fake = await new FakeComposioServer(apiKey, [githubCreateIssue]).start();
    fake.enforceConnections = true;
    fake.authConfigs.set('ac_github', 'github');
    const stack = await startTestStack({
      env: { COMPOSIO_API_KEY: apiKey, COMPOSIO_BASE_URL: fake.url, COMPOSIO_TOOLKITS: 'github@20251027_00', COMPOSIO_CONNECTION_POLL_MS: '200' },
    });
    return { fake, stack };
  };

  it("resumes a waiting run by itself once the user's account is ACTIVE", async () => {
    const { fake, stack } = await startPolling();
    try {
      // Another tenant's run waits for its own user of the same userId.
      const otherKey = (await stack.request('POST', '/v1/admin/keys', { name: 'other', role: 'operator', tenantId: `${stack.tenantId}-other` })).body.key;
      const other = { stack, key: otherKey as string };
      const otherStarted = await callAs(stack, other.key, 'POST', '/v1/runs', issuePlan('conn-polled'));
      expect(otherStarted.status).toBe(201);
      const otherRun = otherStarted.body.run.id as string;
      const runId = await startRun(stack, issuePlan('conn-polled'));
      await awaitConnectionRequired(stack, runId);
      await awaitConnectionRequired(other, otherRun);
      fake.connect((await stack.client.startConnection({ userId: 'conn-polled', authConfigId: 'ac_github' })).id);
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)?.type).toBe('run.completed');
      const resolved = events.find((event) => event.type === 'connection.resolved')!;
      expect(resolved.actor).toBeNull();
      expect(fake.requests.some((request) => request.path === '/api/v3.1/connected_accounts' && request.query.statuses === 'ACTIVE')).toBe(true);

      // A few polls later the other tenant's run still waits: the account is not its user's.
      await sleep(1000);
      expect((await callAs(stack, other.key, 'GET', `/v1/runs/${otherRun}`)).body.run.status).toBe('awaiting_connection');
      expect(typesOf(await eventsOf(other, otherRun))).not.toContain('connection.resolved');
      const polled = fake.requests.filter((request) => request.path === '/api/v3.1/connected_accounts' && request.query.statuses === 'ACTIVE');
      const polledUsers = polled.map((request) => request.query.user_ids);
      expect(polledUsers).toEqual(
        expect.arrayContaining([composioUserIdOf(stack.tenantId, 'conn-polled'), composioUserIdOf(`${stack.tenantId}-other`, 'conn-polled')]),
      );
      expect(polledUsers).not.toContain('conn-polled');
      await callAs(stack, other.key, 'POST', `/v1/runs/${otherRun}/cancel`, { reason: 'done with this test' });
      expect((await waitForEnd(other, otherRun)).at(-1)?.type).toBe('run.cancelled');
    } finally {
      await stack.close();
      await fake.stop();
    }
  });

  it('goes on with the other users when Composio fails for one of them', async () => {
    const { fake, stack } = await startPolling();
    try {
      // The failing user's runs come first in the pass.
      const failing = await Promise.all([startRun(stack, issuePlan('conn-poll-fails')), startRun(stack, issuePlan('conn-poll-fails-2'))]);
      fake.failingUsers.add(composioUserIdOf(stack.tenantId, 'conn-poll-fails'));
      fake.failingUsers.add(composioUserIdOf(stack.tenantId, 'conn-poll-fails-2'));
      const runId = await startRun(stack, issuePlan('conn-poll-ok'));
      for (const id of [...failing, runId]) await awaitConnectionRequired(stack, id);
      fake.connect((await stack.client.startConnection({ userId: 'conn-poll-ok', authConfigId: 'ac_github' })).id);
      expect((await waitForEnd(stack, runId)).at(-1)?.type).toBe('run.completed');
      for (const id of failing) await stack.request('POST', `/v1/runs/${id}/cancel`, { reason: 'done with this test' });
    } finally {
      await stack.close();
      await fake.stop();
    }
  });
});
