/**
 * Secrets stay secret: with distinctive model and Composio keys, an agent run and a Composio run
 * (each with a failed attempt first, the path where errors and headers get logged) leave no trace
 * of either key in the event log, the API's and the worker's raw output at debug level, or any API
 * response the test received. API keys are shown once, at creation, and stored as a sha256 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { startApiProcess } from './api-process';
import { answer, callTools, FakeChatCompletionsServer, httpError } from './fake-chat-completions-server';
import { answerStatus, FakeComposioServer, succeed, type FakeComposioTool } from './fake-composio-server';
import { createDb } from '../lib/db';
import { collectDashboardOutput, signInToDashboard } from './dashboard-output';
import { buildDashboard, startDashboard, type Dashboard } from './dashboard-web';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

const modelKey = `sk-model-SECRET-${randomBytes(8).toString('hex')}`;
const composioKey = `ak_composio-SECRET-${randomBytes(8).toString('hex')}`;
const adminKey = `secrets-admin-${randomBytes(8).toString('hex')}`;
const tenantId = `tenant-secrets-${process.pid}`;
const taskQueue = `secrets-${process.pid}-${Date.now()}`;
const createIssue: FakeComposioTool = {
  slug: 'GITHUB_CREATE_AN_ISSUE',
  toolkit: 'github',
  description: 'Creates an issue.',
  inputParameters: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
};

describe('secrets never leave where they belong', () => {
  let model: FakeChatCompletionsServer;
  let composio: FakeComposioServer;
  let api: Awaited<ReturnType<typeof startApiProcess>>;
  let worker: ChildProcess;
  let apiOutput = '';
  let workerOutput = '';
  const responses: string[] = [];
  const db = createDb(process.env.DATABASE_URL!);
  /** The two runs of the first test, which the dashboard test looks at. */
  const runIds: string[] = [];
  let dashboard: Dashboard | null = null;
  const expectClean = (places: Record<string, string>, secrets: Record<string, string> = { modelKey, composioKey }) => {
    for (const [place, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries(secrets)) {
        expect(`${place}: ${text.includes(secret) ? `contains ${name}` : 'clean'}`).toBe(`${place}: clean`);
      }
    }
  };

  const call = async (method: string, route: string, body?: unknown, key = adminKey) => {
    const response = await fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    responses.push(`${method} ${route} ${response.status} ${JSON.stringify(Object.fromEntries(response.headers))}\n${text}`);
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  const waitForEnd = async (runId: string) => {
    for (let waited = 0; waited < 60_000; waited += 200) {
      const { body } = await call('GET', `/v1/runs/${runId}`);
      if (['completed', 'failed', 'cancelled', 'terminated'].includes(body.run?.status)) return body.run;
      await sleep(200);
    }
    throw new Error(`run ${runId} did not end; worker output:\n${workerOutput.slice(-3000)}`);
  };

  beforeAll(async () => {
    model = await new FakeChatCompletionsServer().start();
    composio = await new FakeComposioServer(composioKey, [createIssue]).start();
    const env = {
      ...process.env,
      TEMPORAL_TASK_QUEUE: taskQueue,
      MODEL_BASE_URL: model.baseUrl,
      MODEL_API_KEY: modelKey,
      COMPOSIO_API_KEY: composioKey,
      COMPOSIO_BASE_URL: composio.url,
      COMPOSIO_TOOLKITS: 'github@20251027_00',
    };
    worker = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'worker', 'main.ts')], {
      env: { ...env, LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [worker.stdout, worker.stderr]) stream?.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    api = await startApiProcess(
      { ...env, FLIGHTDECK_ADMIN_KEY: adminKey, FLIGHTDECK_DEFAULT_TENANT: tenantId },
      { logLevel: 'debug', onOutput: (text) => (apiOutput += text) },
    );
  }, 60_000);
  afterAll(async () => {
    await dashboard?.stop();
    api?.child.kill('SIGTERM');
    worker?.kill('SIGTERM');
    await Promise.all(
      [api, { child: worker }].map(({ child }) => (child && child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)),
    );
    await db.destroy();
    await model?.stop();
    await composio?.stop();
  });

  it('keeps model and Composio keys out of the event log, logs and API responses', async () => {
    model.script('m-secret', [httpError(500), callTools({ name: 'builtin__echo', args: { note: 'hi' } }), answer('done')]);
    composio.script('GITHUB_CREATE_AN_ISSUE', [answerStatus(500, 'upstream broke'), succeed({ number: 7 })]);
    const stream = await TestStreamClient.connect(api.wsUrl, adminKey);

    const agent = await call('POST', '/v1/runs', { name: 'agent', agent: { model: 'm-secret', instructions: 'Echo.', tools: ['builtin.echo'] } });
    const plan = await call('POST', '/v1/runs', {
      name: 'composio',
      userId: 'user-1',
      plan: {
        steps: [{ id: 'issue', tool: 'composio.GITHUB_CREATE_AN_ISSUE', args: { title: 'Broken build' }, retry: { maxAttempts: 3, initialInterval: '100ms' } }],
      },
    });
    expect([agent.status, plan.status]).toEqual([201, 201]);
    runIds.push(agent.body.run.id as string, plan.body.run.id as string);
    for (const runId of runIds) stream.send({ type: 'subscribe', runId, afterSeq: 0 });
    expect((await waitForEnd(runIds[0]!)).status).toBe('completed');
    expect((await waitForEnd(runIds[1]!)).status).toBe('completed');
    for (const runId of runIds) {
      await call('GET', `/v1/runs/${runId}`);
      await call('GET', `/v1/runs/${runId}/events?limit=1000`);
      await call('GET', `/v1/runs/${runId}/verify`);
    }
    for (const route of ['/v1/runs', '/v1/tools', '/v1/approvals', '/v1/admin/keys', '/v1/openapi.json', '/readyz', '/metrics']) await call('GET', route);
    await call('POST', '/v1/runs', { name: 'bad', agent: { model: 'x', instructions: 'y', tools: ['composio.NOPE'] } });
    await stream.waitFor((frames) => frames.filter((frame) => frame.type === 'event' && frame.event.type === 'run.completed').length === 2);
    responses.push(...stream.frames.map((frame) => JSON.stringify(frame)));
    await stream.close();

    // The keys were used (the doubles saw them), and the places searched are not empty.
    expect(model.requestsFor('m-secret').map((request) => request.authorization)).toEqual(Array(3).fill(`Bearer ${modelKey}`));
    expect(composio.executionsOf('GITHUB_CREATE_AN_ISSUE').map((request) => request.apiKey)).toEqual([composioKey, composioKey]);
    const rows = await db.raw<{ rows: Array<{ text: string }> }>('select row_to_json(e)::text as text from run_events e where tenant_id = ?', [tenantId]);
    const runRows = await db.raw<{ rows: Array<{ text: string }> }>('select row_to_json(r)::text as text from runs r where tenant_id = ?', [tenantId]);
    expect(rows.rows.length).toBeGreaterThan(10);
    expect(workerOutput).toContain('"msg":"Activity completed"');
    expect(apiOutput.length).toBeGreaterThan(0);

    const places = {
      eventLog: rows.rows.map((row) => row.text).join('\n'),
      runsProjection: runRows.rows.map((row) => row.text).join('\n'),
      apiResponsesAndFrames: responses.join('\n'),
      apiOutput,
      workerOutput,
    };
    expectClean(places);
  }, 120_000);

  it('keeps them out of the dashboard: pages, RSC payloads, live streams and its logs', async () => {
    expect(runIds).toHaveLength(2);
    await buildDashboard(); // once per test run; FLIGHTDECK_TEST_REUSE_WEB_BUILD=1 keeps an existing build
    dashboard = await startDashboard({ apiUrl: api.url });
    const cookie = await signInToDashboard(dashboard.url, adminKey);
    const { responses: served, liveStreams } = await collectDashboardOutput(dashboard.url, cookie, runIds);

    // The places searched hold the runs: each run's page names it, each stream carried it to the end.
    for (const runId of runIds) {
      expect(served.find((response) => response.startsWith(`/runs/${runId} HTML 200`))).toContain(runId);
      const flight = served.find((response) => response.startsWith(`/runs/${runId} RSC 200`));
      expect(flight).toContain('text/x-component');
      expect(flight).toContain(runId);
      expect(liveStreams.get(runId)).toContain('"type":"run.completed"');
    }
    // Nor the session's own API key: the browser holds it only in the httpOnly cookie.
    expectClean({ dashboardResponses: served.join('\n'), dashboardOutput: dashboard.output() }, { modelKey, composioKey, adminKey });
  }, 300_000);

  it('shows an API key once, at creation, and stores only its sha256', async () => {
    const created = await call('POST', '/v1/admin/keys', { name: 'shown once', role: 'viewer' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^fd_.{20,}/);
    const listed = await call('GET', '/v1/admin/keys');
    expect(JSON.stringify(listed.body)).not.toContain(key);
    const stored = await db('api_keys').where({ id: created.body.apiKey.id }).first();
    expect(stored.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(key);
    // The key works, and the log of its use does not show it.
    expect((await call('GET', '/v1/runs', undefined, key)).status).toBe(200);
    expect(apiOutput).not.toContain(key);
  });
});
