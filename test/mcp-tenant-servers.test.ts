import { randomBytes } from 'node:crypto';
import type { RunEvent } from '../lib/events';
import { answer, callTools, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { startHeaderRecordingMcpServer, type HeaderRecordingMcpServer } from './mcp-header-recording-server';
import { callAs, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { until } from './wait';

const secret = 'Bearer tenant-mcp-secret-7f3a9c';
const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const plan = (tool: string, args: unknown) => ({ plan: { steps: [{ id: 'call', tool, args }] } });
const toolNames = (body: { tools: Array<{ name: string }> }) => body.tools.map((tool) => tool.name);

describe("a tenant's own MCP servers (POST /v1/mcp-servers), over Streamable HTTP", () => {
  let recorder: HeaderRecordingMcpServer;
  let model: FakeChatCompletionsServer;
  const keys: Record<string, string> = {};
  const otherTenant = `mcp-other-${Date.now()}`;

  beforeAll(async () => {
    recorder = await startHeaderRecordingMcpServer();
    model = await new FakeChatCompletionsServer().start();
  });
  const stack = useTestStack(() => ({
    env: {
      MODEL_BASE_URL: model.baseUrl,
      MODEL_API_KEY: 'test-model-key',
      FLIGHTDECK_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      // The recorder listens on loopback, which the network policy refuses unless allowed.
      FLIGHTDECK_HTTP_ALLOW: '127.0.0.1',
      FLIGHTDECK_MCP_SERVERS: JSON.stringify({ installation: { url: recorder.url } }),
    },
  }));
  afterAll(async () => {
    await recorder?.stop();
    await model?.stop();
  });
  beforeAll(async () => {
    for (const role of ['viewer', 'operator', 'approver']) {
      keys[role] = (await stack.request('POST', '/v1/admin/keys', { name: `${role} key`, role })).body.key;
    }
    keys.otherAdmin = (await stack.request('POST', '/v1/admin/keys', { name: 'other admin', role: 'admin', tenantId: otherTenant })).body.key;
  });

  const register = (body: unknown) => stack.request('POST', '/v1/mcp-servers', body);

  it('refuses every role below admin on every route (403)', async () => {
    for (const role of ['viewer', 'operator', 'approver']) {
      expect((await callAs(stack, keys[role]!, 'POST', '/v1/mcp-servers', { name: 'nope', url: recorder.url })).status).toBe(403);
      expect((await callAs(stack, keys[role]!, 'GET', '/v1/mcp-servers')).status).toBe(403);
      expect((await callAs(stack, keys[role]!, 'DELETE', '/v1/mcp-servers/nope')).status).toBe(403);
    }
    expect((await stack.request('GET', '/v1/mcp-servers')).body.mcpServers).toEqual([]);
  });

  it('refuses a stdio server, a URL the network policy refuses, credentials in the URL and an installation server’s name', async () => {
    const stdio = await register({ name: 'local', command: 'node', args: ['server.js'] });
    expect(stdio.status).toBe(400);
    expect(stdio.body.error.details).toContainEqual({ path: '(root)', message: expect.stringContaining('a stdio server ("command"') });
    const metadata = await register({ name: 'metadata', url: 'http://169.254.169.254/mcp' });
    expect(metadata.status).toBe(400);
    expect(metadata.body.error.details).toEqual([{ path: 'url', message: expect.stringContaining('network policy refuses it') }]);
    const privateNet = await register({ name: 'private', url: 'http://10.1.2.3:8080/mcp' });
    expect(privateNet.status).toBe(400);
    const userinfo = await register({ name: 'creds', url: recorder.url.replace('http://', 'http://user:pass@') });
    expect(userinfo.status).toBe(400);
    const installation = await register({ name: 'installation', url: recorder.url });
    expect(installation.status).toBe(409);
    const badName = await register({ name: 'has.dot', url: recorder.url });
    expect(badName.status).toBe(400);
    expect((await stack.request('GET', '/v1/mcp-servers')).body.mcpServers).toEqual([]);
  });

  it('registers a server: header names are served, values sealed and never served; a second one of the name is a 409', async () => {
    const created = await register({ name: 'rec', url: recorder.url, headers: { authorization: secret }, timeout: '20s' });
    expect(created.status).toBe(201);
    expect(created.body.mcpServer).toMatchObject({ name: 'rec', url: recorder.url, headerNames: ['authorization'], timeout: '20s', retryToolErrors: false });
    expect((await register({ name: 'rec', url: recorder.url })).status).toBe(409);
    const listed = await stack.request('GET', '/v1/mcp-servers');
    expect(listed.body.mcpServers.map((server: { name: string }) => server.name)).toEqual(['rec']);
    expect(JSON.stringify([created.body, listed.body])).not.toContain('tenant-mcp-secret');
    // The typed client reads the same answer through its schema.
    expect(await stack.client.listMcpServers()).toEqual(listed.body.mcpServers);
    const [row] = await stack.db('mcp_servers').where({ tenant_id: stack.tenantId, name: 'rec' });
    expect(row.headers_sealed).toMatch(/^v1\.k1\./);
    expect(JSON.stringify(row)).not.toContain('tenant-mcp-secret');
    // The other tenant neither lists it nor deletes it.
    expect((await callAs(stack, keys.otherAdmin!, 'GET', '/v1/mcp-servers')).body.mcpServers).toEqual([]);
    expect((await callAs(stack, keys.otherAdmin!, 'DELETE', '/v1/mcp-servers/rec')).status).toBe(404);
  });

  it("lists the server's tools for its tenant only; another tenant cannot validate or start a run of them", async () => {
    const own = await stack.request('GET', '/v1/tools');
    expect(toolNames(own.body)).toEqual(expect.arrayContaining(['mcp.rec.echo', 'mcp.installation.echo']));
    const other = await callAs(stack, keys.otherAdmin!, 'GET', '/v1/tools');
    expect(toolNames(other.body)).toContain('mcp.installation.echo');
    expect(toolNames(other.body)).not.toContain('mcp.rec.echo');
    const refused = await callAs(stack, keys.otherAdmin!, 'POST', '/v1/runs', plan('mcp.rec.echo', { message: 'hi' }));
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'plan.steps.0.tool', message: expect.stringContaining('unknown tool') })]);
    const badArgs = await stack.request('POST', '/v1/runs', plan('mcp.rec.echo', { message: 42 }));
    expect(badArgs.status).toBe(422);
    expect(badArgs.body.error.details).toEqual([expect.objectContaining({ path: 'plan.steps.0.args.message' })]);
  });

  it('runs a plan step of it, the sealed header reaching the server and nowhere in events or audit rows', async () => {
    const before = recorder.requests.length;
    const started = await stack.request('POST', '/v1/runs', plan('mcp.rec.echo', { message: 'hi' }));
    expect(started.status).toBe(201);
    const events = await waitForEnd(stack, started.body.run.id);
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(dataOf(events, 'tool.call.succeeded')[0].output).toEqual({ content: [{ type: 'text', text: 'Echo: hi' }] });
    expect(recorder.requests.slice(before).some((headers) => headers.authorization === secret)).toBe(true);
    const stored = await stack.db('run_events').where({ tenant_id: stack.tenantId }).select('data');
    expect(JSON.stringify(stored)).not.toContain('tenant-mcp-secret');
    const audit = await stack.db('admin_audit').where({ tenant_id: stack.tenantId }).select('details', 'action', 'target');
    expect(audit).toContainEqual(expect.objectContaining({ action: 'mcp_server.registered', target: 'rec' }));
    expect(JSON.stringify(audit)).not.toContain('tenant-mcp-secret');
  });

  it("calls it from a definition's ctx.tool and offers it to an agent's model; another tenant's definition run cannot call it", async () => {
    const own = await stack.request('POST', '/v1/runs', { definition: 'calls-tool', input: { tool: 'mcp.rec.echo', args: { message: 'from ctx' } } });
    expect(own.status).toBe(201);
    const ownEvents = await waitForEnd(stack, own.body.run.id);
    expect(ownEvents.at(-1)?.type).toBe('run.completed');
    expect(dataOf(ownEvents, 'tool.call.succeeded')[0].output.content[0].text).toBe('Echo: from ctx');

    const other = await callAs(stack, keys.otherAdmin!, 'POST', '/v1/runs', {
      definition: 'calls-tool',
      input: { tool: 'mcp.rec.echo', args: { message: 'x' } },
    });
    expect(other.status).toBe(201);
    const otherEvents = await waitForEnd({ stack, key: keys.otherAdmin! }, other.body.run.id);
    expect(otherEvents.at(-1)?.type).toBe('run.failed');
    expect((otherEvents.at(-1)?.data as any).error.message).toContain('unknown tool "mcp.rec.echo"');
    expect(dataOf(otherEvents, 'tool.call.started')).toEqual([]);

    model.script('m-tenant', [callTools({ name: 'mcp__rec__echo', args: { message: 'agent' }, id: 'call_1' }), answer('done')]);
    const agent = await stack.request('POST', '/v1/runs', { input: 'echo', agent: { model: 'm-tenant', instructions: 'Echo.', tools: ['mcp.rec.echo'] } });
    expect(agent.status).toBe(201);
    expect((await waitForEnd(stack, agent.body.run.id)).at(-1)?.type).toBe('run.completed');
    const requests = model.requests.filter((request) => request.model === 'm-tenant');
    expect(requests[0]?.tools?.map((tool) => tool.function.name)).toEqual(['mcp__rec__echo']);
    const toolReply = requests[1]?.messages.find((message) => message.role === 'tool');
    expect(JSON.parse(toolReply!.content!)).toEqual({ content: [{ type: 'text', text: 'Echo: agent' }] });
    const refusedAgent = await callAs(stack, keys.otherAdmin!, 'POST', '/v1/runs', {
      input: 'echo',
      agent: { model: 'm-tenant', instructions: 'Echo.', tools: ['mcp.rec.echo'] },
    });
    expect(refusedAgent.status).toBe(422);
  });

  it('deletes it: its tools are gone at once, its audit row written; DELETE again is a 404', async () => {
    const deleted = await stack.client.deleteMcpServer('rec');
    expect(deleted).toMatchObject({ name: 'rec', headerNames: ['authorization'] });
    expect(JSON.stringify(deleted)).not.toContain('tenant-mcp-secret');
    expect(toolNames((await stack.request('GET', '/v1/tools')).body)).not.toContain('mcp.rec.echo');
    expect((await stack.request('POST', '/v1/runs', plan('mcp.rec.echo', { message: 'hi' }))).status).toBe(422);
    expect((await stack.request('DELETE', '/v1/mcp-servers/rec')).status).toBe(404);
    const audit = await stack.db('admin_audit').where({ tenant_id: stack.tenantId, action: 'mcp_server.deleted' }).select('target');
    expect(audit).toEqual([{ target: 'rec' }]);
  });

  it('drops a server another process removed within a few seconds (the rows are re-read on a short lifetime)', async () => {
    expect((await stack.client.registerMcpServer({ name: 'elsewhere', url: recorder.url })).name).toBe('elsewhere');
    expect(toolNames((await stack.request('GET', '/v1/tools')).body)).toContain('mcp.elsewhere.echo');
    // As another API instance would: the row goes, this process is not told.
    await stack.db('mcp_servers').where({ tenant_id: stack.tenantId, name: 'elsewhere' }).delete();
    const startedAt = Date.now();
    await until(() => stack.request('GET', '/v1/tools'), {
      message: 'mcp.elsewhere.echo to leave GET /v1/tools',
      done: (response) => !toolNames(response.body).includes('mcp.elsewhere.echo'),
      timeoutMs: 10_000,
    });
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });
});

describe('a tenant MCP server with headers on an installation without FLIGHTDECK_PAYLOAD_KEYS', () => {
  const stack = useTestStack({ worker: 'none', env: { FLIGHTDECK_PAYLOAD_KEYS: '', FLIGHTDECK_HTTP_ALLOW: '127.0.0.1' } });

  it('refuses to store the headers (409 naming FLIGHTDECK_PAYLOAD_KEYS); without headers it registers', async () => {
    const refused = await stack.request('POST', '/v1/mcp-servers', { name: 'with-headers', url: 'http://127.0.0.1:9/mcp', headers: { authorization: secret } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('FLIGHTDECK_PAYLOAD_KEYS');
    expect(JSON.stringify(refused.body)).not.toContain('tenant-mcp-secret');
    expect(await stack.db('mcp_servers').where({ tenant_id: stack.tenantId })).toEqual([]);
    expect((await stack.request('POST', '/v1/mcp-servers', { name: 'plain', url: 'http://127.0.0.1:9/mcp' })).status).toBe(201);
  });
});
