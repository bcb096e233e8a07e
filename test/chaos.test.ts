/**
 * Chaos: the worker is a child process that gets kill -9 five times, at random points, while 20
 * five-step runs are in flight (and is restarted each time) and 50 ws clients follow every run.
 * Every run must still complete with a log that has a gapless seq, no repeated fact, one success
 * per step, an intact hash chain and a projection that matches its events; every ws client must
 * see every event of every run exactly once, in order.
 */
import { terminalStatuses } from '../lib/events';
import { expectExactLogs, expectFollowersSawAll } from './exact-logs';
import { useTestStack } from './stack';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

const runCount = 20;
const stepIds = ['s1', 's2', 's3', 's4', 's5'];
const wsClientCount = 50;
/**
 * Kill when the count of succeeded tool calls (of 100) passes each of five random targets spread
 * over 5–69, plus up to 200 ms: random moments, but tied to progress so all five land while runs are
 * still going. Targets are absolute: a burst of progress after a restart cannot push one past 100.
 * The last target leaves at least 31 calls to go: CI once saw a restarted worker finish the last 16
 * (of a 70–85 target) within the kill delay, so the fifth kill hit a worker with nothing left to do.
 */
const killAtSucceeded = Array.from({ length: 5 }, (_, index) => 5 + index * 13 + Math.floor(Math.random() * 13));
const killDelayMs = () => Math.floor(Math.random() * 200);
const deadlineMs = 240_000;

// Steps alternate a short tool (a local activity on the fast path) and a 300 ms wait (an ordinary
// activity), so kills land on both paths. A lost attempt times out after 2 s and is retried, instead
// of after the tool's default; extra attempts, since one call may be caught by more than one kill.
const plan = (index: number) => ({
  name: `chaos-${index}`,
  tags: ['chaos'],
  plan: {
    steps: stepIds.map((id, position) =>
      position % 2 === 0
        ? { id, tool: 'builtin.echo', args: { run: index, step: id }, timeout: '2s', retry: { maxAttempts: 20 } }
        : { id, tool: 'builtin.wait', args: { seconds: 0.3 }, timeout: '2s', retry: { maxAttempts: 20, initialInterval: '200ms' } },
    ),
  },
});

describe('chaos: the worker is killed -9 while runs are in flight', () => {
  let worker: WorkerProcess | null = null;
  let deadline = Infinity;
  const wsClients: TestStreamClient[] = [];

  const stack = useTestStack(
    { worker: 'none' },
    {
      beforeClose: async () => {
        await Promise.all(wsClients.map((client) => client.close()));
        await worker?.stop();
      },
    },
  );

  /** Polls `probe` until it returns a value; fails with the worker's last output on a crash or the deadline. */
  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (worker?.hasCrashed() || Date.now() > deadline) {
        const statuses = await stack.db('runs').where({ tenant_id: stack.tenantId }).groupBy('status').select('status').count('* as count');
        throw new Error(`gave up waiting for ${what} (runs by status: ${JSON.stringify(statuses)}); worker output:\n${worker?.outputTail().join('\n')}`);
      }
      await sleep(10);
    }
  }

  it(
    'completes every run with an exact, verifiable log',
    async () => {
      deadline = Date.now() + deadlineMs;
      worker = startWorkerProcess(stack.taskQueue);
      const started = await Promise.all(Array.from({ length: runCount }, (_, index) => stack.request('POST', '/v1/runs', plan(index))));
      expect(started.map((response) => response.status)).toEqual(Array(runCount).fill(201));
      const runIds: string[] = started.map((response) => response.body.run.id);
      wsClients.push(...(await Promise.all(Array.from({ length: wsClientCount }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey)))));
      for (const client of wsClients) for (const runId of runIds) client.send({ type: 'subscribe', runId, afterSeq: 0 });

      const succeededCount = async () =>
        Number(
          (await stack.db('run_events').whereIn('run_id', runIds).andWhere({ type: 'tool.call.succeeded' }).count<{ count: string }[]>('* as count'))[0]?.count,
        );
      const completedCount = async () =>
        Number((await stack.db('runs').whereIn('id', runIds).andWhere({ status: 'completed' }).count<{ count: string }[]>('* as count'))[0]?.count);

      for (const [kill, target] of killAtSucceeded.entries()) {
        await waitFor(`${target} succeeded tool calls before kill ${kill + 1}`, async () => ((await succeededCount()) >= target ? true : undefined));
        await sleep(killDelayMs());
        await worker.kill9();
        // The kill must land while runs are still going, or it proves nothing.
        expect(await completedCount()).toBeLessThan(runCount);
        worker = startWorkerProcess(stack.taskQueue);
      }

      await waitFor('every run to complete', async () => {
        const endedBadly = [...terminalStatuses].filter((status) => status !== 'completed');
        const failed = await stack.db('runs').whereIn('id', runIds).whereIn('status', endedBadly).select('id', 'status');
        if (failed.length > 0) throw new Error(`runs ended badly: ${JSON.stringify(failed)}`);
        return (await completedCount()) === runCount ? true : undefined;
      });

      const lastSeqs = await expectExactLogs(stack.db, stack.tenantId, runIds, stepIds);
      // Every ws client saw each run's whole log once, in order, live through the kills.
      await expectFollowersSawAll(wsClients, lastSeqs);
    },
    deadlineMs + 30_000,
  );
});
