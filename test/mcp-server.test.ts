import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { runSpecSchema } from '../lib/run-spec';
import { startRun, typesOf, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';

/**
 * Flightdeck as an MCP server (/v1/mcp), through the SDK's own client over HTTP against a real
 * stack; the 2026-07-28 requests at the end are written as that revision's spec shows them on the wire.
 */
const dashboard = 'http://dashboard.mcp-test.example';
const gatedPlan = { plan: { steps: [{ id: 'gate', tool: 'builtin.echo', args: { said: 'yes' }, approval: true }] } };
const napPlan = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };

describe('Flightdeck as an MCP server', () => {
  const clients: Client[] = [];
  const toTerminate: string[] = [];
  const stack = useTestStack(
    { env: { FLIGHTDECK_ALLOWED_ORIGINS: dashboard } },
    {
      beforeClose: async () => {
        for (const client of clients) await client.close();
        for (const runId of toTerminate) await stack.request('POST', `/v1/runs/${runId}/terminate`, {});
      },
    },
  );
  let admin: Client;
  let approver: Client;
  let viewer: Client;

  const endpoint = () => new URL(`${stack.apiUrl}/v1/mcp`);
  const connect = async (key: string, headers: Record<string, string> = {}) => {
    const client = new Client({ name: 'flightdeck-mcp-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(endpoint(), { requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } } }));
    clients.push(client);
    return client;
  };
  /** A tool's structured content; fails the test on a tool error. */
  const call = async (client: Client, name: string, args: Record<string, unknown>, onprogress?: (progress: Progress) => void) => {
    const result = (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : undefined)) as CallToolResult;
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent)}`);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
    return result.structuredContent as any;
  };
  /** A tool call that must fail: its error body. */
  const refused = async (client: Client, name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
    return (result.structuredContent as { error: { code: string; message: string; details: unknown } }).error;
  };

  beforeAll(async () => {
    const keyOf = async (role: string) => (await stack.request('POST', '/v1/admin/keys', { name: `mcp ${role}`, role })).body.key as string;
    admin = await connect(stack.adminKey);
    viewer = await connect(await keyOf('viewer'));
    approver = await connect(await keyOf('approver'));
  });

  it('lists every tool, each with the schema of its REST route, and says which revision it speaks', async () => {
    expect(admin.getServerVersion()).toMatchObject({ name: 'flightdeck' });
    const { tools } = await admin.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      'list_definitions',
      'start_run',
      'get_run',
      'list_runs',
      'wait_for_run',
      'cancel_run',
      'list_approvals',
      'decide_approval',
      'send_message',
    ]);
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    // start_run takes exactly the body of POST /v1/runs.
    expect(byName.get('start_run')!.inputSchema).toEqual(z.toJSONSchema(runSpecSchema, { io: 'input', unrepresentable: 'any' }));
    // Path parameters and body in one object, as strict as the route.
    expect(byName.get('decide_approval')!.inputSchema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['id', 'approvalId', 'decision']),
      additionalProperties: false,
    });
    expect(Object.keys(byName.get('list_runs')!.inputSchema.properties!)).toEqual(expect.arrayContaining(['limit', 'cursor', 'status', 'tag', 'q']));
    expect(byName.get('get_run')!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('cancel_run')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get('start_run')!.description).toContain('Needs the operator role');
  });

  it('starts a run, reads it, lists it, and waits for its end', async () => {
    const { definitions } = await call(admin, 'list_definitions', {});
    expect(definitions.map((definition: { name: string }) => definition.name)).toContain('echo-twice');
    const started = await call(admin, 'start_run', { definition: 'echo-twice', input: { word: 'mcp' }, tags: ['mcp-test'] });
    expect(started.run.id).toMatch(/^run_/);
    // The same run REST serves.
    expect((await stack.request('GET', `/v1/runs/${started.run.id}`)).body.run).toMatchObject({
      id: started.run.id,
      tags: expect.arrayContaining(['mcp-test']),
    });
    const waited = await call(admin, 'wait_for_run', { runId: started.run.id, timeoutSeconds: 60 });
    expect(waited).toMatchObject({ ended: true, run: { id: started.run.id, status: 'completed' } });
    expect((await call(admin, 'get_run', { id: started.run.id })).run).toMatchObject({ id: started.run.id, status: 'completed' });
    const listed = await call(admin, 'list_runs', { tag: ['mcp-test'], limit: 10 });
    expect(listed.runs.map((run: { id: string }) => run.id)).toEqual([started.run.id]);
  });

  it('sends each event of the run as a progress notification while wait_for_run waits, and messages a run', async () => {
    const { run } = await call(admin, 'start_run', { definition: 'listener', input: {} });
    await waitForEvents(stack, run.id, (events) => typesOf(events).includes('run.started'));
    const progress: Progress[] = [];
    let waiting!: () => void;
    const started = new Promise<void>((resolve) => (waiting = resolve));
    const waited = call(admin, 'wait_for_run', { runId: run.id, timeoutSeconds: 120 }, (notification) => {
      progress.push(notification);
      waiting();
    });
    await started;
    // The first notification came before anything else happened: what follows is live.
    expect(progress[0]!.message).toMatch(/^waiting for run_/);
    const sent = await call(admin, 'send_message', { id: run.id, text: 'bye' });
    expect(sent.run.id).toBe(run.id);
    const result = await waited;
    expect(result).toMatchObject({ ended: true, run: { status: 'completed' } });
    const messages = progress.slice(1).map((notification) => notification.message);
    expect(messages).toEqual(expect.arrayContaining(['message.received', 'custom.heard', 'run.completed']));
    expect(messages.at(-1)).toBe('run.completed');
    const values = progress.map((notification) => notification.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
  });

  it('returns the run unfinished when the timeout passes first', async () => {
    const { run } = await call(admin, 'start_run', gatedPlan);
    toTerminate.push(run.id);
    await waitForEvents(stack, run.id, (events) => typesOf(events).includes('approval.requested'));
    const waited = await call(admin, 'wait_for_run', { runId: run.id, timeoutSeconds: 1 });
    expect(waited).toMatchObject({ ended: false, run: { id: run.id, status: 'awaiting_approval' } });
  });

  it('lists and decides approvals, and cancels a run', async () => {
    const { run } = await call(admin, 'start_run', gatedPlan);
    toTerminate.push(run.id);
    await waitForEvents(stack, run.id, (events) => typesOf(events).includes('approval.requested'));
    const { approvals } = await call(admin, 'list_approvals', { runId: run.id, status: ['pending'] });
    expect(approvals).toHaveLength(1);
    // A viewer may read but not decide: a tool error, the request itself fine.
    expect(await refused(viewer, 'decide_approval', { id: run.id, approvalId: approvals[0].id, decision: 'approve' })).toMatchObject({ code: 'forbidden' });
    // The admin started the run: it may not approve it itself, an approver may.
    const decided = await call(approver, 'decide_approval', { id: run.id, approvalId: approvals[0].id, decision: 'approve', comment: 'via MCP' });
    expect(decided.approval).toMatchObject({ id: approvals[0].id });
    expect((await call(admin, 'wait_for_run', { runId: run.id, timeoutSeconds: 60 })).run.status).toBe('completed');

    const napping = (await call(admin, 'start_run', napPlan)).run;
    toTerminate.push(napping.id);
    expect(await refused(viewer, 'cancel_run', { id: napping.id })).toMatchObject({ code: 'forbidden' });
    expect(await refused(viewer, 'start_run', napPlan)).toMatchObject({ code: 'forbidden', details: { required: 'operator', role: 'viewer' } });
    expect((await call(admin, 'cancel_run', { id: napping.id, reason: 'mcp test' })).run.id).toBe(napping.id);
    expect((await call(viewer, 'wait_for_run', { runId: napping.id, timeoutSeconds: 60 })).run.status).toBe('cancelled');
  });

  it("answers bad arguments with the route's zod issues", async () => {
    const empty = await refused(admin, 'start_run', {});
    expect(empty).toMatchObject({ code: 'validation_failed', message: 'Invalid run spec' });
    expect(empty.details).toEqual([{ path: '(root)', message: 'a run spec needs exactly one of "plan", "agent" or "definition"' }]);
    expect(await refused(admin, 'list_runs', { limit: 0 })).toMatchObject({ code: 'validation_failed', details: [{ path: 'limit' }] });
    expect(await refused(admin, 'get_run', { id: 'run_x', extra: true })).toMatchObject({ code: 'validation_failed', details: [{ path: 'extra' }] });
    expect(await refused(admin, 'wait_for_run', { runId: 'run_x', timeoutSeconds: 100_000 })).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'timeoutSeconds' }],
    });
    expect(await refused(admin, 'get_run', { id: 'run_nope' })).toMatchObject({ code: 'not_found' });
    await expect(admin.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(McpError);
  });

  it('serves run://<id> with the run and its events', async () => {
    expect((await viewer.listResourceTemplates()).resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: 'run://{id}', mimeType: 'application/json' }),
    ]);
    const runId = await startRun(stack, { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: { n: 1 } }] } });
    await stack.waitForRun(runId);
    const { resources } = await viewer.listResources();
    expect(resources.map((resource) => resource.uri)).toContain(`run://${runId}`);
    const read = await viewer.readResource({ uri: `run://${runId}` });
    const content = JSON.parse((read.contents[0] as { text: string }).text);
    expect(content.run).toMatchObject({ id: runId, status: 'completed' });
    expect(typesOf(content.events)[0]).toBe('run.created');
    expect(typesOf(content.events).at(-1)).toBe('run.completed');
    expect(content.lastSeq).toBe(content.events.at(-1).seq);
    await expect(viewer.readResource({ uri: 'run://run_nope' })).rejects.toMatchObject({ code: -32002 });
    await expect(viewer.readResource({ uri: 'file:///etc/passwd' })).rejects.toMatchObject({ code: -32002 });
  });

  describe('over HTTP', () => {
    const post = (headers: Record<string, string>, body: unknown = { jsonrpc: '2.0', id: 1, method: 'tools/list' }) =>
      fetch(endpoint(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('answers 401 with a bearer challenge without a key or with a wrong one', async () => {
      const none = await post({});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="flightdeck"');
      expect(await none.json()).toMatchObject({ error: { code: 'unauthenticated' } });
      const wrong = await post({ authorization: 'Bearer fd_wrong' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="flightdeck", error="invalid_token"');
      const client = new Client({ name: 'keyless', version: '1.0.0' });
      await expect(client.connect(new StreamableHTTPClientTransport(endpoint()))).rejects.toThrow();
    });

    it('refuses a foreign Origin with 403, as the ws stream does, and serves the allowed one', async () => {
      const foreign = await post({ authorization: `Bearer ${stack.adminKey}`, origin: 'http://evil.example' });
      expect(foreign.status).toBe(403);
      expect(await foreign.json()).toMatchObject({ error: { code: 'forbidden', details: { origin: 'http://evil.example' } } });
      const fromDashboard = await connect(stack.adminKey, { origin: dashboard });
      expect((await fromDashboard.listTools()).tools.length).toBeGreaterThan(0);
    });

    it('applies the REST body limit, and answers GET and DELETE with 405 (stateless: no stream, no session)', async () => {
      const big = {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'start_run', arguments: { input: 'x'.repeat(300 * 1024), plan: napPlan.plan } },
      };
      const tooLarge = await post({ authorization: `Bearer ${stack.adminKey}` }, big);
      expect(tooLarge.status).toBe(413);
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(endpoint(), { method, headers: { authorization: `Bearer ${stack.adminKey}`, accept: 'text/event-stream' } });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('POST');
      }
      // No session is minted.
      const listed = await post({ authorization: `Bearer ${stack.adminKey}`, 'mcp-protocol-version': '2025-11-25' });
      expect(listed.status).toBe(200);
      expect(listed.headers.get('mcp-session-id')).toBeNull();
    });
  });

  describe('revision 2026-07-28 (per-request _meta, no initialize)', () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const modern = async (message: { method: string; params?: Record<string, unknown> }, headers: Record<string, string> = {}) => {
      const name = (message.params?.name ?? message.params?.uri) as string | undefined;
      const response = await fetch(endpoint(), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.adminKey}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': message.method,
          ...(name ? { 'mcp-name': name } : {}),
          ...headers,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: message.method,
          params: { ...message.params, _meta: { ...meta, ...(message.params?._meta as object) } },
        }),
      });
      const text = await response.text();
      // An SSE answer's last `data:` line is the response; a JSON answer is the body.
      const json = response.headers.get('content-type')?.startsWith('text/event-stream')
        ? JSON.parse(
            text
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .at(-1)!
              .slice('data: '.length),
          )
        : JSON.parse(text);
      return { status: response.status, json, headers: response.headers };
    };

    it('answers server/discover and serves tools without a handshake, with the fields the revision adds', async () => {
      const discovered = await modern({ method: 'server/discover' });
      expect(discovered.status).toBe(200);
      expect(discovered.json.result).toMatchObject({
        resultType: 'complete',
        supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']),
        capabilities: { tools: {}, resources: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'flightdeck' } },
      });
      const listed = await modern({ method: 'tools/list' });
      expect(listed.status).toBe(200);
      expect(listed.json.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', ttlMs: expect.any(Number) });
      expect(listed.json.result.tools).toHaveLength(9);
      const runId = await startRun(stack, { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } });
      const got = await modern({ method: 'tools/call', params: { name: 'get_run', arguments: { id: runId } } });
      expect(got.json.result).toMatchObject({ resultType: 'complete', structuredContent: { run: { id: runId } } });
      expect(got.headers.get('mcp-session-id')).toBeNull();
      const read = await modern({ method: 'resources/read', params: { uri: `run://${runId}` } });
      expect(JSON.parse(read.json.result.contents[0].text).run.id).toBe(runId);
      // Resource not found is -32602 in this revision.
      expect((await modern({ method: 'resources/read', params: { uri: 'run://run_nope' } })).json.error.code).toBe(-32602);
    });

    it('refuses mismatched headers, unknown versions and methods it does not have', async () => {
      const wrongMethod = await modern({ method: 'tools/list' }, { 'mcp-method': 'tools/call' });
      expect(wrongMethod).toMatchObject({ status: 400, json: { id: 7, error: { code: -32020 } } });
      const wrongName = await modern({ method: 'tools/call', params: { name: 'get_run', arguments: { id: 'x' } } }, { 'mcp-name': 'start_run' });
      expect(wrongName).toMatchObject({ status: 400, json: { error: { code: -32020 } } });
      // The name may come base64-encoded.
      const encoded = await modern(
        { method: 'tools/call', params: { name: 'list_definitions', arguments: {} } },
        { 'mcp-name': `=?base64?${Buffer.from('list_definitions').toString('base64')}?=` },
      );
      expect(encoded.json.result.structuredContent.definitions.length).toBeGreaterThan(0);
      const bodyVersion = await modern({ method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2025-11-25' } } });
      expect(bodyVersion).toMatchObject({ status: 400, json: { error: { code: -32020 } } });
      const unknown = await modern({ method: 'tools/list' }, { 'mcp-protocol-version': '1900-01-01' });
      expect(unknown).toMatchObject({
        status: 400,
        json: { error: { code: -32022, data: { requested: '1900-01-01', supported: expect.arrayContaining(['2026-07-28']) } } },
      });
      const removed = await modern({ method: 'ping' });
      expect(removed).toMatchObject({ status: 404, json: { error: { code: -32601 } } });
    });
  });
});
