/**
 * The Temporal dev server is stopped mid-run and started again on the same port and db file, while
 * 20 five-step runs are in flight and 50 ws clients follow them. It is this file's own dev server:
 * the rest of the suite keeps the shared one. Worker and API reconnect by themselves; every run
 * completes with an exact log and every follower sees every event once.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port';
import { findTemporalCli } from '../scripts/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../scripts/temporal-dev-server';
import { expectExactLogs, expectFollowersSawAll } from './exact-logs';
import { startTestStack, type TestStack } from './stack';
import { TestStreamClient } from './ws-client';

const runCount = 20;
const stepIds = ['s1', 's2', 's3', 's4', 's5'];
const plan = (index: number) => ({
  name: `temporal-restart-${index}`,
  plan: { steps: stepIds.map((id) => ({ id, tool: 'builtin.wait', args: { seconds: 1 }, timeout: '10s' })) },
});

describe('the Temporal dev server restarted mid-run', () => {
  let temporal: TemporalDevServer | null = null;
  let stack: TestStack;
  const clients: TestStreamClient[] = [];
  let start: () => Promise<TemporalDevServer>;

  beforeAll(async () => {
    const repoRoot = path.resolve(__dirname, '..');
    const cli = await findTemporalCli({ repoRoot, log: () => undefined, allowBuild: false, allowDownload: false });
    const settings = { cli, port: await freePort(), uiPort: await freePort(), dbFile: path.join(await mkdtemp(path.join(os.tmpdir(), 'fd-temporal-restart-')), 'temporal.db'), log: () => undefined };
    start = () => startTemporalDevServer(settings);
    temporal = await start();
    stack = await startTestStack({ env: { TEMPORAL_ADDRESS: temporal.address } });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await stack?.close();
    await temporal?.stop();
  });

  it('continues every run to completion', async () => {
    const started = await Promise.all(Array.from({ length: runCount }, (_, index) => stack.request('POST', '/v1/runs', plan(index))));
    expect(started.map((response) => response.status)).toEqual(Array(runCount).fill(201));
    const runIds: string[] = started.map((response) => response.body.run.id);
    clients.push(...(await Promise.all(Array.from({ length: 50 }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey)))));
    for (const client of clients) for (const runId of runIds) client.send({ type: 'subscribe', runId, afterSeq: 0 });

    const succeeded = async () =>
      Number((await stack.db('run_events').whereIn('run_id', runIds).andWhere({ type: 'tool.call.succeeded' }).count<{ count: string }[]>('* as count'))[0]?.count);
    for (let waited = 0; (await succeeded()) < 20; waited += 50) {
      if (waited > 60_000) throw new Error('runs made no progress before the restart');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await temporal!.stop();
    temporal = null;
    const progressWhileDown = await succeeded();
    expect(progressWhileDown).toBeLessThan(runCount * stepIds.length);
    temporal = await start();

    for (const runId of runIds) expect((await stack.waitForRun(runId, { timeoutMs: 120_000 })).status).toBe('completed');
    const lastSeqs = await expectExactLogs(stack.db, stack.tenantId, runIds, stepIds);
    await expectFollowersSawAll(clients, lastSeqs);
  }, 240_000);
});
