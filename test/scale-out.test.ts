/**
 * The production shape on one machine: two API processes and two worker processes over one
 * Postgres and one Temporal. 50 runs started across both APIs, followed by ws clients on both:
 * every run completes once, each step succeeds once, and both streams see every run's log gapless.
 */
import type { ChildProcess } from 'node:child_process';
import type { RunEvent } from '../lib/events';
import { FlightdeckClient } from '../lib/api-client';
import { startApiProcess } from './api-process';
import { useTestStack } from './stack';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { TestStreamClient } from './ws-client';

const runs = 50;
const steps = ['a', 'b', 'c'];

describe('scale-out: 2 API and 2 worker processes', () => {
  const apis: Array<{ child: ChildProcess; url: string; wsUrl: string }> = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // The stack only provides the database, the admin key and the tenant: no in-process worker or API traffic.
  }, 60_000);
  const stack = useTestStack(() => ({ worker: 'none' }), {
    beforeClose: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      for (const api of apis) if (api.child.exitCode === null) api.child.kill('SIGTERM');
    },
  });
  beforeAll(async () => {
    const env = { ...process.env, FLIGHTDECK_ADMIN_KEY: stack.adminKey, FLIGHTDECK_DEFAULT_TENANT: stack.tenantId, TEMPORAL_TASK_QUEUE: stack.taskQueue };
    apis.push(...(await Promise.all([startApiProcess(env), startApiProcess(env)])));
    workers.push(startWorkerProcess(stack.taskQueue), startWorkerProcess(stack.taskQueue));
  }, 60_000);

  it('completes 50 runs once each, with a gapless log on both streams', async () => {
    const streams = await Promise.all(apis.map((api) => TestStreamClient.connect(api.wsUrl, stack.adminKey)));
    try {
      const clients = apis.map((api) => new FlightdeckClient({ baseUrl: api.url, apiKey: stack.adminKey }));
      const runIds = await Promise.all(
        Array.from({ length: runs }, async (_, index) => {
          const plan = { plan: { steps: steps.map((id) => ({ id, tool: 'builtin.echo', args: { run: index, step: id } })) } };
          return (await clients[index % 2]!.startRun(plan as never)).run.id;
        }),
      );
      for (const stream of streams) for (const runId of runIds) stream.send({ type: 'subscribe', runId, afterSeq: 0 });
      const completedEverywhere = () =>
        streams.every((stream) => runIds.every((runId) => stream.events(runId).some((frame) => frame.event.type === 'run.completed')));
      await streams[0]!.waitFor(completedEverywhere, 120_000);
      await streams[1]!.waitFor(completedEverywhere, 30_000);

      const expectedLength = 3 + 3 * steps.length;
      for (const stream of streams) {
        for (const runId of runIds) {
          const events = stream.events(runId).map((frame) => frame.event as RunEvent);
          expect(events.map((event) => event.seq)).toEqual(Array.from({ length: expectedLength }, (_, index) => index + 1));
          expect(events.filter((event) => event.type === 'run.completed')).toHaveLength(1);
          expect(events.filter((event) => event.type === 'tool.call.succeeded').map((event) => event.data.stepId)).toEqual(steps);
        }
      }
      expect(workers.some((worker) => worker.hasCrashed())).toBe(false);
    } finally {
      await Promise.all(streams.map((stream) => stream.close()));
    }
  }, 180_000);
});
