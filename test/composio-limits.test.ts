/**
 * Limits shared by all workers: two worker processes (the real entry point) run Composio calls
 * against the test double under `COMPOSIO_LIMITS=tool:GITHUB_CREATE_AN_ISSUE concurrency=1`. The
 * double counts executions in flight per (tool, user): never more than one per user, while the two
 * users' calls do run side by side. Waiting calls show as `LimitWait` attempts in their logs.
 */
import type { RunEvent } from '../lib/events';
import { composioUserIdOf } from '../tools/composio/composio-users';
import { FakeComposioServer, githubCreateIssue } from './fake-composio-server';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

const apiKey = 'composio-limits-key';
const users = ['limits-a', 'limits-b'];
const runsPerUser = 4;

describe('Composio limits across two worker processes', () => {
  let fake: FakeComposioServer;
  const workers: WorkerProcess[] = [];
  let composioEnv: Record<string, string>;

  beforeAll(async () => {
    fake = await new FakeComposioServer(apiKey, [githubCreateIssue]).start();
    fake.executionDelayMs = 300;
    composioEnv = { COMPOSIO_API_KEY: apiKey, COMPOSIO_BASE_URL: fake.url, COMPOSIO_TOOLKITS: 'github@20251027_00' };
  }, 60_000);
  // The API validates plans against the catalog; only the two child processes run tools.
  const stack = useTestStack(() => ({ worker: 'none', env: composioEnv }), {
    beforeClose: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  });
  beforeAll(async () => {
    const workerEnv = { ...composioEnv, COMPOSIO_LIMITS: 'tool:GITHUB_CREATE_AN_ISSUE concurrency=1' };
    workers.push(startWorkerProcess(stack.taskQueue, workerEnv), startWorkerProcess(stack.taskQueue, workerEnv));
  }, 60_000);
  afterAll(async () => {
    await fake?.stop();
  });

  it("never runs two calls of one (tool, user) at once, while another user's calls run in parallel", async () => {
    const runIds = await Promise.all(
      users.flatMap((userId) =>
        Array.from({ length: runsPerUser }, (_, index) =>
          startRun(stack, { userId, plan: { steps: [{ id: 'open', tool: 'composio.GITHUB_CREATE_AN_ISSUE', args: { title: `${userId} #${index}` } }] } }),
        ),
      ),
    );
    const logs: RunEvent[][] = [];
    for (const runId of runIds) logs.push(await waitForEnd(stack, runId, 120_000));
    expect(logs.map((events) => events.at(-1)?.type)).toEqual(runIds.map(() => 'run.completed'));
    expect(workers.some((worker) => worker.hasCrashed())).toBe(false);

    expect(fake.executionsOf(githubCreateIssue.slug)).toHaveLength(users.length * runsPerUser);
    expect(users.map((userId) => fake.maxOverlap.get(`${githubCreateIssue.slug}|${composioUserIdOf(stack.tenantId, userId)}`))).toEqual([1, 1]);
    expect(fake.maxOverlapOverall).toBeGreaterThanOrEqual(2);

    // Calls that found the slot taken waited (a LimitWait attempt, retried by the workflow) instead of failing.
    const waits = logs.flatMap((events) => events.filter((event) => event.type === 'tool.call.failed').map((event) => (event.data as any).error));
    expect(waits.length).toBeGreaterThan(0);
    for (const wait of waits)
      expect(wait).toMatchObject({ errorClass: 'LimitWait', retryable: true, message: expect.stringContaining('at its concurrency limit') });
  }, 150_000);
});
