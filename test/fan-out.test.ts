/**
 * Two API processes over one Postgres: an event written through one reaches a ws client of the
 * other (LISTEN/NOTIFY), and SIGTERM closes the other's clients with the "resume" code.
 */
import type { ChildProcess } from 'node:child_process';
import { closeCodes } from '../lib/stream';
import { startApiProcess } from './api-process';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

describe('fan-out across API instances', () => {
  let second: { child: ChildProcess; url: string; wsUrl: string };
  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        if (second?.child.exitCode === null) second.child.kill('SIGKILL');
      },
    },
  );
  beforeAll(async () => {
    second = await startApiProcess({
      ...process.env,
      FLIGHTDECK_ADMIN_KEY: stack.adminKey,
      FLIGHTDECK_DEFAULT_TENANT: stack.tenantId,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    });
  });

  it('delivers events written through one API to a ws client of the other, in order, once', async () => {
    const remote = await TestStreamClient.connect(`${second.url.replace('http', 'ws')}/v1/stream`, stack.adminKey);
    try {
      remote.send({ type: 'subscribe', runs: {} });
      await remote.waitFor((frames) => frames.some((frame) => frame.type === 'subscribed'));
      const runId = await startRun(stack, { plan: { steps: ['a', 'b', 'c'].map((id) => ({ id, tool: 'builtin.echo', args: { id } })) } });
      remote.send({ type: 'subscribe', runId, afterSeq: 0 });
      await remote.waitFor(() => remote.events(runId).some((frame) => frame.event.type === 'run.completed'));
      const events = await waitForEnd(stack, runId);
      expect(remote.events(runId).map((frame) => frame.seq)).toEqual(events.map((event) => event.seq));
      expect(remote.frames.some((frame) => frame.type === 'run' && (frame.run as { id: string }).id === runId)).toBe(true);
    } finally {
      await remote.close();
    }
  });

  it('closes its ws clients with the resume code on SIGTERM, and exits cleanly', async () => {
    const remote = await TestStreamClient.connect(`${second.url.replace('http', 'ws')}/v1/stream`, stack.adminKey);
    const closed = remote.closed();
    const exited = new Promise<number | null>((resolve) => second.child.once('exit', (code) => resolve(code)));
    second.child.kill('SIGTERM');
    expect(await closed).toBe(closeCodes.goingAway);
    expect(await exited).toBe(0);
  });
});
