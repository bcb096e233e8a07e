import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../lib/events';
import { schemaHashOf } from '../tools/mcp/mcp-tool';
import { answer, callTools, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { referenceStdioServers, startEverythingHttp, tsxServer } from './mcp-servers';
import { startRun, waitForEnd, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';
import { until } from './wait';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const plan = (stepId: string, tool: string, args: unknown, extra: Record<string, unknown> = {}) => ({
  plan: { steps: [{ id: stepId, tool, args, ...extra }] },
});

describe('MCP servers’ tools (official reference servers and misbehaving ones, stdio and Streamable HTTP)', () => {
  const work = mkdtempSync(join(tmpdir(), 'flightdeck-mcp-'));
  const files = join(work, 'files');
  const markers = join(work, 'markers');
  const cancelledLog = join(work, 'cancelled.jsonl');
  let http: Awaited<ReturnType<typeof startEverythingHttp>>;
  let model: FakeChatCompletionsServer;

  beforeAll(async () => {
    for (const dir of [files, markers]) mkdirSync(dir);
    writeFileSync(join(files, 'hello.txt'), 'hello from the filesystem server');
    http = await startEverythingHttp();
    model = await new FakeChatCompletionsServer().start();
  });
  const stack = useTestStack(() => ({
    env: {
      MODEL_BASE_URL: model.baseUrl,
      MODEL_API_KEY: 'test-model-key',
      FLIGHTDECK_MCP_MAX_RESULT_BYTES: String(1024 * 1024),
      FLIGHTDECK_MCP_SERVERS: JSON.stringify({
        ...referenceStdioServers({ files, memoryFile: join(work, 'memory.jsonl') }),
        'everything-http': { url: http.url, headers: { 'x-test-secret': 'header-secret-value' } },
        exits: tsxServer('exits-mid-call-server.ts', markers),
        hangs: tsxServer('hangs-server.ts', cancelledLog),
        malformed: tsxServer('malformed-json-rpc-server.ts'),
        many: tsxServer('many-tools-server.ts'),
        huge: tsxServer('huge-result-server.ts'),
        missing: { command: join(work, 'no-such-server') },
      }),
    },
  }));
  afterAll(async () => {
    await http?.stop();
    await model?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("lists every server's tools as mcp.<server>.<tool> with the server's input schema; a server that did not start is left out", async () => {
    const { status, body } = await stack.request('GET', '/v1/tools');
    expect(status).toBe(200);
    const byName = new Map<string, any>(body.tools.map((tool: { name: string }) => [tool.name, tool]));
    expect(byName.get('mcp.everything.echo')).toMatchObject({
      provider: 'mcp',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    });
    expect(byName.has('mcp.everything-http.echo')).toBe(true);
    expect(byName.has('mcp.fs.read_text_file')).toBe(true);
    expect(byName.has('mcp.memory.create_entities')).toBe(true);
    // 1,000 tools in pages of 100: the client followed every nextCursor; tool names keep their dots.
    expect([...byName.keys()].filter((name) => name.startsWith('mcp.many.tool.'))).toHaveLength(1000);
    expect(byName.has('mcp.many.tool.0999')).toBe(true);
    expect([...byName.keys()].some((name) => name.startsWith('mcp.missing.'))).toBe(false);
    // Header values are secrets: nowhere in what the API serves.
    expect(JSON.stringify(body)).not.toContain('header-secret-value');
  });

  it("refuses a plan step whose literal args do not fit the server's schema, before any run (422)", async () => {
    const response = await stack.request('POST', '/v1/runs', plan('say', 'mcp.everything.echo', { message: 42 }));
    expect(response.status).toBe(422);
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'plan.steps.0.args.message', message: expect.stringContaining('string') })]);
    const missing = await stack.request('POST', '/v1/runs', plan('say', 'mcp.everything.echo', {}));
    expect(missing.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['plan.steps.0.args.message']);
  });

  it.each([
    ['stdio', 'everything'],
    ['Streamable HTTP', 'everything-http'],
  ])('runs a plan step over %s and records the schema hash of the tool it called', async (_transport, server) => {
    const runId = await startRun(stack, plan('say', `mcp.${server}.echo`, { message: 'hi' }));
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.completed');
    const schema = (await stack.request('GET', '/v1/tools')).body.tools.find((tool: { name: string }) => tool.name === `mcp.${server}.echo`).inputSchema;
    expect(dataOf(events, 'tool.call.started')).toEqual([expect.objectContaining({ tool: `mcp.${server}.echo`, schemaHash: schemaHashOf(schema) })]);
    expect(dataOf(events, 'tool.call.succeeded')[0].output).toEqual({ content: [{ type: 'text', text: 'Echo: hi' }] });
    expect(JSON.stringify(events)).not.toContain('header-secret-value');
  });

  it('records each progress notification once, as tool.call.progress between the attempt’s start and its end', async () => {
    const runId = await startRun(stack, plan('long', 'mcp.everything.trigger-long-running-operation', { duration: 1, steps: 3 }));
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.completed');
    const attemptTypes = events.map((event) => event.type).filter((type) => type.startsWith('tool.call.'));
    expect(attemptTypes).toEqual(['tool.call.started', 'tool.call.progress', 'tool.call.progress', 'tool.call.progress', 'tool.call.succeeded']);
    expect(dataOf(events, 'tool.call.progress').map((data) => [data.sequence, data.progress, data.total])).toEqual([
      [1, 1, 3],
      [2, 2, 3],
      [3, 3, 3],
    ]);
  });

  it('reads a file through the filesystem server, and a result with isError fails the step once, not retried', async () => {
    const read = await startRun(stack, plan('read', 'mcp.fs.read_text_file', { path: join(files, 'hello.txt') }));
    const readEvents = await waitForEnd(stack, read);
    expect(dataOf(readEvents, 'tool.call.succeeded')[0].output.content[0].text).toBe('hello from the filesystem server');

    const outside = await startRun(stack, plan('read', 'mcp.fs.read_text_file', { path: join(work, 'cancelled.jsonl') }));
    const events = await waitForEnd(stack, outside);
    expect(events.at(-1)?.type).toBe('run.failed');
    const failed = dataOf(events, 'tool.call.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatchObject({ errorClass: 'McpToolError', retryable: false, message: expect.stringContaining('mcp.fs.read_text_file failed') });
  });

  it('keeps state in the memory server across the steps of a run (one client per server, reused)', async () => {
    const runId = await startRun(stack, {
      plan: {
        steps: [
          {
            id: 'create',
            tool: 'mcp.memory.create_entities',
            args: { entities: [{ name: 'flightdeck', entityType: 'project', observations: ['runs agents'] }] },
          },
          { id: 'read', tool: 'mcp.memory.read_graph', args: {} },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(JSON.stringify(dataOf(events, 'tool.call.succeeded')[1].output)).toContain('runs agents');
  });

  it('retries a call whose server process exits mid-call on a restarted process, with no fact recorded twice', async () => {
    const runId = await startRun(stack, plan('write', 'mcp.exits.write-once', { key: 'exit-1' }));
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.completed');
    const calls = events.filter((event) => event.type.startsWith('tool.call.'));
    expect(calls.map((event) => [event.type, (event.data as any).attempt])).toEqual([
      ['tool.call.started', 1],
      ['tool.call.failed', 1],
      ['tool.call.started', 2],
      ['tool.call.succeeded', 2],
    ]);
    expect(dataOf(events, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'NetworkError', retryable: true });
    const firstPid = readFileSync(join(markers, 'exit-1.started'), 'utf8').trim();
    expect(dataOf(events, 'tool.call.succeeded')[0].output.content[0].text).toMatch(/^wrote exit-1 on process \d+$/);
    expect(dataOf(events, 'tool.call.succeeded')[0].output.content[0].text).not.toContain(`process ${firstPid}`);
  });

  it('times out a call the server never answers and sends it notifications/cancelled', async () => {
    const runId = await startRun(stack, plan('wait', 'mcp.hangs.hang', { label: 'timeout-1' }, { timeout: '3s', retry: { maxAttempts: 1 } }));
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.failed');
    expect(dataOf(events, 'tool.call.failed')[0].error).toMatchObject({ errorClass: 'Timeout', message: expect.stringContaining('notifications/cancelled') });
    await until(() => (existsSync(cancelledLog) ? readFileSync(cancelledLog, 'utf8') : ''), {
      message: 'the hanging server to hear notifications/cancelled',
      done: (log) => log.includes('"label":"timeout-1"'),
    });
  });

  it('sends notifications/cancelled when the run is cancelled mid-call', async () => {
    const runId = await startRun(stack, plan('wait', 'mcp.hangs.hang', { label: 'cancel-1' }, { timeout: '2m' }));
    await waitForEvents(stack, runId, (events) => events.some((event) => event.type === 'tool.call.started'));
    expect((await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'test' })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.cancelled');
    await until(() => (existsSync(cancelledLog) ? readFileSync(cancelledLog, 'utf8') : ''), {
      message: 'the hanging server to hear notifications/cancelled',
      done: (log) => log.includes('"label":"cancel-1"'),
    });
  });

  it('fails a call answered with malformed JSON-RPC as McpProtocolError, not retried; the server’s next call works', async () => {
    const broken = await startRun(stack, plan('call', 'mcp.malformed.broken', {}));
    const events = await waitForEnd(stack, broken);
    expect(events.at(-1)?.type).toBe('run.failed');
    const failed = dataOf(events, 'tool.call.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatchObject({ errorClass: 'McpProtocolError', retryable: false, message: expect.stringContaining('not JSON-RPC') });

    const fine = await startRun(stack, plan('call', 'mcp.malformed.fine', {}));
    expect((await waitForEnd(stack, fine)).at(-1)?.type).toBe('run.completed');
  });

  it('refuses a result above FLIGHTDECK_MCP_MAX_RESULT_BYTES with an error naming the limit', async () => {
    const runId = await startRun(stack, plan('big', 'mcp.huge.huge', { bytes: 10_000_000 }));
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.failed');
    const failed = dataOf(events, 'tool.call.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatchObject({
      errorClass: 'OutputTooLarge',
      retryable: false,
      message: expect.stringContaining('1048576 FLIGHTDECK_MCP_MAX_RESULT_BYTES'),
    });
    const small = await startRun(stack, plan('small', 'mcp.huge.huge', { bytes: 1000 }));
    expect((await waitForEnd(stack, small)).at(-1)?.type).toBe('run.completed');
  });

  it('reads the tool list again when the server says it changed (notifications/tools/list_changed)', async () => {
    const runId = await startRun(stack, plan('grow', 'mcp.many.grow', { name: 'added.later' }));
    expect((await waitForEnd(stack, runId)).at(-1)?.type).toBe('run.completed');
    await until(() => stack.request('GET', '/v1/tools'), {
      message: 'mcp.many.added.later in GET /v1/tools',
      done: (response) => response.body.tools.some((tool: { name: string }) => tool.name === 'mcp.many.added.later'),
    });
  });

  it("offers MCP tools to an agent's model; args that do not fit the schema come back as a tool error the model reads", async () => {
    model.script('m-mcp', [
      callTools({ name: 'mcp__everything__echo', args: { message: 7 }, id: 'call_bad' }),
      callTools({ name: 'mcp__everything__echo', args: { message: 'hello' }, id: 'call_good' }),
      answer('done'),
    ]);
    const runId = await startRun(stack, { input: 'echo hello', agent: { model: 'm-mcp', instructions: 'Echo.', tools: ['mcp.everything.echo'] } });
    const events = await waitForEnd(stack, runId);
    expect(events.at(-1)?.type).toBe('run.completed');
    const requests = model.requests.filter((request) => request.model === 'm-mcp');
    expect(requests[0]?.tools?.map((tool) => tool.function.name)).toEqual(['mcp__everything__echo']);
    expect(requests[0]?.tools?.[0]?.function.parameters).toMatchObject({ required: ['message'] });
    const toolReplies = requests[2]?.messages.filter((message) => message.role === 'tool') ?? [];
    expect(JSON.parse(toolReplies[0]!.content!)).toMatchObject({ errorClass: 'ValidationError', error: expect.stringContaining('message') });
    expect(JSON.parse(toolReplies[1]!.content!)).toEqual({ content: [{ type: 'text', text: 'Echo: hello' }] });
  });
});
