/**
 * SIGTERM to a worker mid tool call: it stops polling but lets the in-flight call finish and record
 * its outcome (no lost attempt, no second attempt); another worker carries the run on.
 */
import { startRun, typesOf, waitForEnd, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';
import { startWorkerProcess } from './worker-process';

describe('graceful worker shutdown', () => {
  const stack = useTestStack({ worker: 'none' });

  it('drains the in-flight tool call on SIGTERM; the next worker finishes the run', async () => {
    const first = startWorkerProcess(stack.taskQueue);
    const runId = await startRun(stack, {
      plan: {
        steps: [
          { id: 'nap', tool: 'builtin.wait', args: { seconds: 2 } },
          { id: 'after', tool: 'builtin.echo', args: {} },
        ],
      },
    });
    await waitForEvents(stack, runId, (events) => typesOf(events).includes('tool.call.started'));
    const stopping = first.stop(); // SIGTERM
    await stopping;
    expect(first.hasCrashed()).toBe(false);

    const drained = await waitForEvents(stack, runId, (events) => typesOf(events).includes('tool.call.succeeded'), 5_000);
    expect(drained.filter((event) => event.type === 'tool.call.succeeded').map((event) => event.data.attempt)).toEqual([1]);

    const second = startWorkerProcess(stack.taskQueue);
    try {
      const events = await waitForEnd(stack, runId, 60_000);
      expect(typesOf(events).at(-1)).toBe('run.completed');
      const napCalls = events.filter((event) => event.data.stepId === 'nap' && event.type.startsWith('tool.call.'));
      expect(napCalls.map((event) => [event.type, event.data.attempt])).toEqual([
        ['tool.call.started', 1],
        ['tool.call.succeeded', 1],
      ]);
    } finally {
      await second.stop();
    }
  }, 90_000);

  it("writes the Temporal SDK's log lines as pino JSON carrying runId and workflowId", async () => {
    const worker = startWorkerProcess(stack.taskQueue);
    try {
      // Each failed attempt makes the SDK's activity logger warn "Activity failed" (LOG_LEVEL is warn).
      const runId = await startRun(stack, { plan: { steps: [{ id: 'shaky', tool: 'builtin.flaky', args: { failures: 1 } }] } });
      expect(typesOf(await waitForEnd(stack, runId, 60_000)).at(-1)).toBe('run.completed');
      await worker.stop();
      expect(worker.hasCrashed()).toBe(false);

      const records = worker.rawOutput().flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      const failed = records.find((record) => record.msg === 'Activity failed' && record.workflowId === runId);
      if (!failed) throw new Error(`no "Activity failed" JSON line for ${runId} in:\n${worker.rawOutput().join('\n')}`);
      expect(failed).toMatchObject({
        level: 40,
        process: 'worker',
        runId,
        workflowId: runId,
        temporalRunId: expect.any(String),
        attempt: 1,
        err: { message: expect.stringContaining('fails on purpose') },
      });
      expect(failed).not.toHaveProperty('error');
    } finally {
      await worker.stop();
    }
  }, 90_000);
});
