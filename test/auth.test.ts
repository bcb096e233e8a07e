import { failedAuthsPerMinute } from '../api/failed-auth-throttle';
import { restRoutes } from '../api/routes';
import { revocationCheckMs } from '../api/stream/hub';
import { closeCodes } from '../lib/stream';
import { composioUserIdOf } from '../tools/composio/composio-users';
import { FakeComposioServer, githubCreateIssue } from './fake-composio-server';
import { startRun, typesOf, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient, upgradeStatus } from './ws-client';

type Role = 'viewer' | 'operator' | 'approver' | 'admin';
const roles: Role[] = ['viewer', 'operator', 'approver', 'admin'];
const metricsToken = 'auth-test-metrics-token-0123';
const longPlan = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };
const composioKey = 'auth-test-composio-key';
/** The Composio user both tenants name: the other tenant has an ACTIVE account and a run waiting for it. */
const sharedUser = 'shared-user';
/** MCP servers (POST /v1/mcp-servers): the one the matrix registers and removes in its own tenant, and the other tenant's. */
const ownMcpServer = 'matrix-server';
const otherMcpServer = 'other-tenant-server';
/** Nothing listens there: a connection is refused at once (the address is allowed by FLIGHTDECK_HTTP_ALLOW below). */
const unreachableMcpUrl = 'http://127.0.0.1:9/mcp';

describe('API keys, roles and tenancy', () => {
  const keys: Record<string, string> = {};
  const otherTenant = `other-${Date.now()}`;
  let ownRun: string;
  let otherRun: string;
  let fake: FakeComposioServer;
  /** The other tenant's run in awaiting_connection for `sharedUser`, and that user's ACTIVE account there. */
  let otherWaitingRun: string;
  let otherAccount: string;

  const call = async (key: string | null, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // A stream that opened (server-sent events) is a success once its headers came; its body never ends.
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, body: null };
    }
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, body: json && text ? JSON.parse(text) : text || null };
  };
  const createKey = async (role: Role, tenantId?: string) => {
    const created = await stack.request('POST', '/v1/admin/keys', { name: `${role} key`, role, ...(tenantId ? { tenantId } : {}) });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^fd_/);
    return created.body as { key: string; apiKey: { id: string; role: Role; tenantId: string } };
  };

  beforeAll(async () => {
    fake = await new FakeComposioServer(composioKey, [githubCreateIssue]).start();
    fake.enforceConnections = true;
    fake.authConfigs.set('ac_github', 'github');
  });
  const stack = useTestStack(
    () => ({
      env: {
        FLIGHTDECK_METRICS_TOKEN: metricsToken,
        COMPOSIO_API_KEY: composioKey,
        COMPOSIO_BASE_URL: fake.url,
        COMPOSIO_TOOLKITS: 'github@20251027_00',
        COMPOSIO_CONNECTION_POLL_MS: '0',
        FLIGHTDECK_HTTP_ALLOW: '127.0.0.1',
      },
    }),
    {
      beforeClose: async () => {
        await stack.request('POST', `/v1/runs/${ownRun}/terminate`, {});
        await call(keys.otherAdmin!, 'POST', `/v1/runs/${otherRun}/terminate`, {});
        if (otherWaitingRun) await call(keys.otherAdmin!, 'POST', `/v1/runs/${otherWaitingRun}/terminate`, {});
      },
    },
  );
  afterAll(async () => {
    await fake?.stop();
  });
  beforeAll(async () => {
    for (const role of roles) keys[role] = (await createKey(role)).key;
    keys.otherAdmin = (await createKey('admin', otherTenant)).key;
    ownRun = await startRun(stack, longPlan);
    const started = await call(keys.otherAdmin!, 'POST', '/v1/runs', longPlan);
    expect(started.status).toBe(201);
    otherRun = started.body.run.id;
    // The other tenant's Composio user: a run waiting for its account, then the account, ACTIVE (no poller resumes it).
    const waiting = await call(keys.otherAdmin!, 'POST', '/v1/runs', {
      userId: sharedUser,
      plan: { steps: [{ id: 'open', tool: 'composio.GITHUB_CREATE_AN_ISSUE', args: { title: 't' } }] },
    });
    expect(waiting.status).toBe(201);
    otherWaitingRun = waiting.body.run.id;
    await waitForEvents({ stack, key: keys.otherAdmin! }, otherWaitingRun, (events) => typesOf(events).includes('connection.required'));
    expect((await call(keys.otherAdmin!, 'POST', '/v1/mcp-servers', { name: otherMcpServer, url: unreachableMcpUrl })).status).toBe(201);
    otherAccount = fake.addAccount({ userId: composioUserIdOf(otherTenant, sharedUser), toolkit: 'github', status: 'ACTIVE' }).id;
  });

  it('stores only a hash of each key', async () => {
    const rows = await stack.db('api_keys').where({ tenant_id: stack.tenantId }).select('key_hash');
    expect(rows.length).toBe(4);
    for (const row of rows) {
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.values(keys)).not.toContain(row.key_hash);
    }
  });

  // Every route × role × own/other tenant: a role below the route's is 403, another tenant's run is 404,
  // never a success. "Allowed" means neither: 2xx, or 409 where the run's state forbids the action.
  // Public routes answer 200 to anyone, with a key or without; `metrics` routes only to FLIGHTDECK_METRICS_TOKEN (401 to any API key).
  // superAdminOnly: no tenant's key may call it, whatever its role (the installation's admin key may).
  // perUser (Composio): called for a fresh user of the key's tenant and for `sharedUser`, whose account
  // and waiting run are the other tenant's; that call is allowed but must show or touch none of them (`leaks`).
  const routes: Array<{
    method: string;
    path: (run: string, user: string) => string;
    body?: (user: string) => unknown;
    needs: Role | 'public' | 'metrics';
    perRun: boolean;
    superAdminOnly?: boolean;
    perUser?: { leaks: (response: { status: number; body: any }, user: string) => boolean };
  }> = [
    { method: 'GET', path: () => '/metrics', needs: 'metrics', perRun: false },
    { method: 'GET', path: () => '/v1/openapi.json', needs: 'public', perRun: false },
    { method: 'GET', path: () => '/docs', needs: 'public', perRun: false },
    { method: 'GET', path: () => '/docs/scalar.js', needs: 'public', perRun: false },
    { method: 'GET', path: () => '/v1/me', needs: 'viewer', perRun: false },
    { method: 'GET', path: () => '/v1/runs', needs: 'viewer', perRun: false },
    { method: 'GET', path: () => '/v1/tools', needs: 'viewer', perRun: false },
    { method: 'GET', path: () => '/v1/definitions', needs: 'viewer', perRun: false },
    { method: 'GET', path: (run) => `/v1/runs/${run}`, needs: 'viewer', perRun: true },
    { method: 'GET', path: (run) => `/v1/runs/${run}/events`, needs: 'viewer', perRun: true },
    { method: 'GET', path: (run) => `/v1/runs/${run}/stream`, needs: 'viewer', perRun: true },
    {
      method: 'POST',
      path: () => '/v1/runs',
      body: () => ({ plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } }),
      needs: 'operator',
      perRun: false,
    },
    { method: 'POST', path: () => '/v1/runs', body: () => ({ definition: 'echo-twice', input: { word: 'matrix' } }), needs: 'operator', perRun: false },
    { method: 'POST', path: (run) => `/v1/runs/${run}/messages`, body: () => ({ text: 'hi' }), needs: 'operator', perRun: true },
    { method: 'POST', path: (run) => `/v1/runs/${run}/fork`, body: () => ({ fromSeq: 1 }), needs: 'operator', perRun: true },
    { method: 'POST', path: (run) => `/v1/runs/${run}/replay`, body: () => ({}), needs: 'operator', perRun: true },
    { method: 'POST', path: (run) => `/v1/runs/${run}/cancel`, body: () => ({}), needs: 'operator', perRun: true },
    { method: 'GET', path: () => '/v1/admin/keys', needs: 'admin', perRun: false },
    { method: 'GET', path: () => '/v1/usage', needs: 'viewer', perRun: false },
    { method: 'GET', path: () => '/v1/budget', needs: 'viewer', perRun: false },
    { method: 'PUT', path: () => '/v1/budget', body: () => ({ monthlyUsd: null }), needs: 'admin', perRun: false },
    { method: 'POST', path: () => '/v1/admin/keys', body: () => ({ name: 'x', role: 'viewer' }), needs: 'admin', perRun: false },
    { method: 'POST', path: () => '/v1/codec/decode', body: () => ({ payloads: [] }), needs: 'admin', perRun: false, superAdminOnly: true },
    { method: 'POST', path: () => '/v1/codec/encode', body: () => ({ payloads: [] }), needs: 'admin', perRun: false, superAdminOnly: true },
    {
      method: 'GET',
      path: (_run, user) => `/v1/connections?userId=${user}`,
      needs: 'viewer',
      perRun: false,
      perUser: {
        leaks: (response) => JSON.stringify(response.body).includes(otherAccount),
      },
    },
    {
      method: 'POST',
      path: () => '/v1/connections',
      body: (user) => ({ userId: user, authConfigId: 'ac_github' }),
      needs: 'operator',
      perRun: false,
      perUser: {
        // The link Composio was asked for must be this tenant's user's.
        leaks: (response, user) =>
          response.body?.connection?.id === otherAccount ||
          fake.requests.filter((request) => request.path === '/api/v3.1/connected_accounts/link').at(-1)?.body?.user_id !==
            composioUserIdOf(stack.tenantId, user),
      },
    },
    {
      method: 'POST',
      path: () => '/v1/connections/sync',
      body: (user) => ({ userId: user }),
      needs: 'operator',
      perRun: false,
      perUser: {
        leaks: (response) => JSON.stringify(response.body).includes(otherWaitingRun) || JSON.stringify(response.body).includes(otherAccount),
      },
    },
    // The tenant's own MCP servers: listed without the other tenant's, registered in the key's tenant, and the other tenant's not found.
    {
      method: 'GET',
      path: () => '/v1/mcp-servers',
      needs: 'admin',
      perRun: false,
      perUser: { leaks: (response) => JSON.stringify(response.body).includes(otherMcpServer) },
    },
    { method: 'POST', path: () => '/v1/mcp-servers', body: () => ({ name: ownMcpServer, url: unreachableMcpUrl }), needs: 'admin', perRun: false },
    {
      method: 'DELETE',
      path: (run) => `/v1/mcp-servers/${run === ':id' ? ':name' : run === otherRun ? otherMcpServer : ownMcpServer}`,
      needs: 'admin',
      perRun: true,
    },
  ];

  it('enforces the authz matrix with no unauthorized success', async () => {
    const unauthorizedSuccesses: string[] = [];
    const unexpected: string[] = [];
    for (const route of routes) {
      for (const target of route.perRun || route.perUser ? ['own', 'other'] : ['own']) {
        const user = target === 'own' ? 'own-user' : sharedUser;
        const path = route.path(target === 'own' ? ownRun : otherRun, user);
        const body = route.body?.(user);
        expect((await call(null, route.method, path, body)).status).toBe(route.needs === 'public' ? 200 : 401);
        if (route.needs === 'metrics') expect((await call(metricsToken, route.method, path, body)).status).toBe(200);
        for (const role of roles) {
          const response = await call(keys[role]!, route.method, path, body);
          const { status } = response;
          const allowed = route.needs === 'public' || (route.needs !== 'metrics' && !route.superAdminOnly && roles.indexOf(role) >= roles.indexOf(route.needs));
          // Another tenant's run is not found; another tenant's Composio user is not reachable by name: the call is this tenant's user's.
          const expected = route.needs === 'metrics' ? [401] : !allowed ? [403] : target === 'other' && route.perRun ? [404] : [200, 201, 202, 409];
          const label = `${role} ${route.method} ${path} (${target} tenant) → ${status}`;
          if (!expected.includes(status)) unexpected.push(label);
          const leaked = target === 'other' && route.perUser !== undefined && status < 300 && route.perUser.leaks(response, user);
          if (status < 300 && (!allowed || (target === 'other' && route.perRun) || leaked)) unauthorizedSuccesses.push(label);
        }
      }
    }
    // Still waiting: no call of this tenant resumed the other tenant's run on its account.
    expect((await call(keys.otherAdmin!, 'GET', `/v1/runs/${otherWaitingRun}`)).body.run.status).toBe('awaiting_connection');
    // The leak checks are not vacuous: the other tenant's own calls for the user show its account and resume its run.
    const [list, , sync] = routes.filter((route) => route.perUser);
    const asOther = (route: (typeof routes)[number]) => call(keys.otherAdmin!, route.method, route.path('', sharedUser), route.body?.(sharedUser));
    expect(list!.perUser!.leaks(await asOther(list!), sharedUser)).toBe(true);
    expect(sync!.perUser!.leaks(await asOther(sync!), sharedUser)).toBe(true);
    // The other tenant's MCP server is still there, and its own list shows it (the leak check above is not vacuous).
    const mcpList = routes.find((route) => route.path('', '') === '/v1/mcp-servers' && route.method === 'GET')!;
    expect(mcpList.perUser!.leaks(await asOther(mcpList), sharedUser)).toBe(true);
    expect(unauthorizedSuccesses).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it('declares for each route the role the matrix finds it enforces', () => {
    // registerRoutes enforces the declared role; this holds the declarations to what the matrix observed.
    const declared = new Map(restRoutes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route.role]));
    const mismatches = routes
      .map((route) => `${route.method} ${route.path(':id', 'user').split('?')[0]}`)
      .filter((key, index) => declared.get(key) !== routes[index]!.needs)
      .map((key) => `${key}: declared ${declared.get(key)}`);
    expect(mismatches).toEqual([]);
  });

  it('scopes lists and streams to the tenant', async () => {
    const list = await call(keys.viewer!, 'GET', '/v1/runs?limit=200');
    const ids = list.body.runs.map((run: { id: string }) => run.id);
    expect(ids).toContain(ownRun);
    expect(ids).not.toContain(otherRun);
    await waitForEvents(stack, ownRun, (events) => events.length > 0);
    const stranger = await TestStreamClient.connect(stack.wsUrl, keys.otherAdmin!);
    try {
      stranger.send({ type: 'subscribe', runId: ownRun, afterSeq: 0 });
      const frames = await stranger.waitFor((all) => all.length >= 1);
      expect(frames[0]).toMatchObject({ type: 'error', error: { code: 'not_found' } });
      expect(stranger.events()).toEqual([]);
    } finally {
      await stranger.close();
    }
  });

  it("scopes usage and the monthly budget to the key's tenant: no parameter names another", async () => {
    expect((await call(keys.otherAdmin!, 'PUT', '/v1/budget', { monthlyUsd: 123.45 })).body.monthlyUsd).toBe(123.45);
    try {
      expect((await call(keys.viewer!, 'GET', '/v1/budget')).body.monthlyUsd).toBeNull();
      expect((await call(keys.otherAdmin!, 'GET', '/v1/budget')).body.monthlyUsd).toBe(123.45);
      expect((await call(keys.admin!, 'PUT', '/v1/budget', { monthlyUsd: 1, tenantId: otherTenant })).status).toBe(400);
      expect((await call(keys.viewer!, 'GET', `/v1/usage?tenantId=${otherTenant}`)).status).toBe(400);
      expect((await call(keys.otherAdmin!, 'GET', '/v1/budget')).body.monthlyUsd).toBe(123.45);
    } finally {
      await call(keys.otherAdmin!, 'PUT', '/v1/budget', { monthlyUsd: null });
    }
  });

  it("lets an admin manage only its own tenant's keys; the bootstrap key may name a tenant", async () => {
    const other = await call(keys.admin!, 'POST', '/v1/admin/keys', { name: 'sneaky', role: 'admin', tenantId: otherTenant });
    expect(other.status).toBe(403);
    const listed = await call(keys.admin!, 'GET', '/v1/admin/keys');
    expect(listed.body.keys.every((key: { tenantId: string }) => key.tenantId === stack.tenantId)).toBe(true);
    const otherList = await stack.request('GET', `/v1/admin/keys?tenantId=${otherTenant}`);
    expect(otherList.body.keys.map((key: { name: string }) => key.name)).toEqual(['admin key']);
  });

  it('revokes a key: it stops working at once', async () => {
    const created = await createKey('viewer');
    expect((await call(created.key, 'GET', '/v1/runs')).status).toBe(200);
    const revoked = await stack.request('DELETE', `/v1/admin/keys/${created.apiKey.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.apiKey.revokedAt).not.toBeNull();
    expect((await call(created.key, 'GET', '/v1/runs')).status).toBe(401);
    expect((await stack.request('DELETE', '/v1/admin/keys/key_nope')).status).toBe(404);
  });

  it('throttles failed authentication by client address, before the key is looked up', async () => {
    const from = (address: string, key: string) =>
      fetch(`${stack.apiUrl}/v1/runs`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': address } });
    const guesser = '203.0.113.9';
    for (let attempt = 0; attempt < failedAuthsPerMinute; attempt++) expect((await from(guesser, `fd_guess_${attempt}`)).status).toBe(401);
    const refused = await from(guesser, 'fd_guess_one_more');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as { error: { code: string; message: string; details: { retryAfterSeconds: number } } };
    expect(body).toEqual({
      error: { code: 'rate_limited', message: expect.stringContaining('failed authentications'), details: { retryAfterSeconds: expect.any(Number) } },
    });
    // Refused unheard, even with a good key, until the minute is over; other addresses are not affected.
    expect((await from(guesser, stack.adminKey)).status).toBe(429);
    expect((await from('203.0.113.10', stack.adminKey)).status).toBe(200);
    expect((await from('203.0.113.10', 'fd_wrong')).status).toBe(401);
  });
  it('throttles the ws upgrade by the same client address as REST, behind a local proxy too', async () => {
    const rest = (address: string, key: string) =>
      fetch(`${stack.apiUrl}/v1/runs`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': address } });
    const upgrade = (address: string, key: string) => upgradeStatus(stack.wsUrl, { authorization: `Bearer ${key}`, 'x-forwarded-for': address });
    const guesser = '203.0.113.21';
    // Refused keys on both paths count against one budget.
    for (let attempt = 0; attempt < failedAuthsPerMinute / 2; attempt++) expect((await rest(guesser, `fd_guess_${attempt}`)).status).toBe(401);
    for (let attempt = 0; attempt < failedAuthsPerMinute / 2; attempt++) expect((await upgrade(guesser, `fd_guess_ws_${attempt}`)).status).toBe(401);
    const refused = await upgrade(guesser, stack.adminKey);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await rest(guesser, stack.adminKey)).status).toBe(429);
    // The proxy (this test, on loopback) forwards other clients: they are not the guesser.
    expect((await upgrade('203.0.113.22', stack.adminKey)).status).toBe(101);
  });
  it("closes a revoked key's open ws connections with 4401 within the key cache interval; others stay open", async () => {
    const [doomed, kept] = [await createKey('viewer'), await createKey('viewer')];
    const doomedClient = await TestStreamClient.connect(stack.wsUrl, doomed.key);
    const keptClient = await TestStreamClient.connect(stack.wsUrl, kept.key);
    const adminClient = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      const closed = doomedClient.closed();
      const revokedAt = Date.now();
      expect((await stack.request('DELETE', `/v1/admin/keys/${doomed.apiKey.id}`)).status).toBe(200);
      expect(await closed).toBe(closeCodes.unauthenticated);
      expect(Date.now() - revokedAt).toBeLessThan(revocationCheckMs + 2000);
      keptClient.send({ type: 'ping' });
      adminClient.send({ type: 'ping' });
      await keptClient.waitFor((frames) => frames.some((frame) => frame.type === 'pong'));
      await adminClient.waitFor((frames) => frames.some((frame) => frame.type === 'pong'));
    } finally {
      await keptClient.close();
      await adminClient.close();
    }
  }, 20_000);
});
