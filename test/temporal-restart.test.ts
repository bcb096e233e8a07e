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
import { expectExactLogs, expectFollowersSawAll, startFollowedRuns, waitForSucceededCalls } from './exact-logs';
import { useTestStack } from './stack';
import type { TestStreamClient } from './ws-client';

const runCount = 20;
const stepIds = ['s1', 's2', 's3', 's4', 's5'];
const plan = (index: number) => ({
  name: `temporal-restart-${index}`,
  // builtin.wait heartbeats; heartbeats lost while Temporal is down time attempts out, so the steps
  // get retries enough to outlast the restart (the tool's default is 3 attempts).
  plan: {
    steps: stepIds.map((id) => ({
      id,
      tool: 'builtin.wait',
      args: { seconds: 1 },
      timeout: '10s',
      retry: { maxAttempts: 100, initialInterval: '500ms', maximumInterval: '2s' },
    })),
  },
});

describe('the Temporal dev server restarted mid-run', () => {
  let temporal: TemporalDevServer | null = null;
  const clients: TestStreamClient[] = [];
  let start: () => Promise<TemporalDevServer>;

  beforeAll(async () => {
    const repoRoot = path.resolve(__dirname, '..');
    const cli = await findTemporalCli({ repoRoot, log: () => undefined, allowBuild: false, allowDownload: false });
    const settings = {
      cli,
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: path.join(await mkdtemp(path.join(os.tmpdir(), 'fd-temporal-restart-')), 'temporal.db'),
      log: () => undefined,
    };
    start = () => startTemporalDevServer(settings);
    temporal = await start();
  }, 90_000);
  const stack = useTestStack(() => ({ env: { TEMPORAL_ADDRESS: temporal!.address } }), {
    beforeClose: async () => {
      await Promise.all(clients.map((client) => client.close()));
    },
  });
  afterAll(async () => {
    await temporal?.stop();
  });

  it('continues every run to completion', async () => {
    const { runIds, clients: followers } = await startFollowedRuns(
      stack,
      Array.from({ length: runCount }, (_, index) => plan(index)),
      50,
    );
    clients.push(...followers);
    await waitForSucceededCalls(stack.db, runIds, 20);
    await temporal!.stop();
    temporal = null;
    // The restart must land while runs are still going, or it proves nothing.
    const completedWhileDown = await stack.db('runs').whereIn('id', runIds).andWhere({ status: 'completed' }).count<{ count: string }[]>('* as count');
    expect(Number(completedWhileDown[0]?.count)).toBeLessThan(runCount);
    temporal = await start();

    for (const runId of runIds) expect((await stack.waitForRun(runId, { timeoutMs: 120_000 })).status).toBe('completed');
    const lastSeqs = await expectExactLogs(stack.db, stack.tenantId, runIds, stepIds);
    await expectFollowersSawAll(clients, lastSeqs);
  }, 240_000);
});
