/**
 * The interceptor's exactly-once rules at attempt boundaries that a real worker crash produces but a
 * test cannot time: Temporal's MockActivityEnvironment sets the attempt, the database is real.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { appendEvents } from '../lib/event-log';
import { specHash } from '../lib/ids';
import { migrateLatest } from '../lib/db';
import { dedupeKeys } from '../lib/workflow-contract';
import { createScratchDatabase } from '../test/databases';
import { attemptData } from '../test/event-facts';
import { eventLogInterceptor } from './event-log-interceptor';
import { createActivities } from '.';
import { ToolRegistry } from '../tools/registry';
import { defineTool, shortToolPolicy } from '../tools/tool';

const execution = { workflowId: 'run_attempts', runId: 'exec-1' };
const spec = { tags: [], plan: { steps: [{ id: 's', tool: 'test.count', args: {} }] } };

describe('event-log interceptor across attempts', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let executions = 0;
  const tools = new ToolRegistry([
    defineTool({
      name: 'test.count',
      description: 'counts its executions',
      inputSchema: z.object({}),
      defaults: shortToolPolicy,
      requiresApproval: false,
      idempotent: false,
      execute: async () => ({ execution: ++executions }),
    }),
  ]);

  beforeAll(async () => {
    scratch = await createScratchDatabase('interceptor');
    await migrateLatest(scratch.db);
    await appendEvents(scratch.db, { tenantId: 't', runId: execution.workflowId }, [
      {
        type: 'run.created',
        dedupeKey: `${execution.workflowId}/run.created`,
        data: { spec, specHash: specHash(spec), mode: 'plan', name: null, tags: [], idempotencyKey: null },
      },
    ]);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  const runAttempt = (activityId: string, attempt: number) => {
    const environment = new MockActivityEnvironment(
      { activityType: 'executeTool', activityId, attempt, workflowExecution: execution },
      { interceptors: [eventLogInterceptor(scratch.db, tools)] },
    );
    const { executeTool } = createActivities({ db: scratch.db, tools });
    return environment.run(executeTool, { tenantId: 't', runId: execution.workflowId, stepId: 's', tool: 'test.count', args: {} });
  };
  const key = (activityId: string, attempt: number, phase: 'started' | 'succeeded' | 'failed') => dedupeKeys.toolCall(execution, activityId, attempt, phase);

  it('returns the recorded success of an earlier attempt instead of running the tool again', async () => {
    // Attempt 1 ran and recorded its success, but its worker died before Temporal heard of it.
    await appendEvents(scratch.db, { tenantId: 't', runId: execution.workflowId }, [
      { type: 'tool.call.started', dedupeKey: key('a1', 1, 'started'), data: { ...attemptData('s', 1, 'a1', 'test.count'), args: {} } },
      {
        type: 'tool.call.succeeded',
        dedupeKey: key('a1', 1, 'succeeded'),
        data: { ...attemptData('s', 1, 'a1', 'test.count'), durationMs: 1, output: { execution: 'first' } },
      },
    ]);
    expect(await runAttempt('a1', 2)).toEqual({ execution: 'first' });
    expect(executions).toBe(0);
    const types = await scratch.db('run_events').where('dedupe_key', 'like', `${execution.workflowId}/${execution.runId}/activity/a1/%`).pluck('type');
    expect(types.filter((type) => type === 'tool.call.succeeded')).toHaveLength(1);
  });

  it('refuses to stand a redacted recorded output in for a non-idempotent tool, and does not run it again', async () => {
    await appendEvents(scratch.db, { tenantId: 't', runId: execution.workflowId }, [
      { type: 'tool.call.started', dedupeKey: key('a4', 1, 'started'), data: { ...attemptData('s', 1, 'a4', 'test.count'), args: {} } },
      {
        type: 'tool.call.succeeded',
        dedupeKey: key('a4', 1, 'succeeded'),
        data: { ...attemptData('s', 1, 'a4', 'test.count'), durationMs: 1, output: { token: 'secret-value' } },
      },
    ]);
    const before = executions;
    await expect(runAttempt('a4', 2)).rejects.toMatchObject({ type: 'UnrecoverableResult', nonRetryable: true });
    expect(executions).toBe(before);
  });

  it('records an attempt lost with its worker as failed before running the next one', async () => {
    await appendEvents(scratch.db, { tenantId: 't', runId: execution.workflowId }, [
      { type: 'tool.call.started', dedupeKey: key('a2', 1, 'started'), data: { ...attemptData('s', 1, 'a2', 'test.count'), args: {} } },
    ]);
    expect(await runAttempt('a2', 2)).toEqual({ execution: 1 });
    const rows = await scratch
      .db('run_events')
      .where('dedupe_key', 'like', `${execution.workflowId}/${execution.runId}/activity/a2/%`)
      .orderBy('seq')
      .select('type', 'data');
    expect(rows.map((row) => [row.type, row.data.attempt])).toEqual([
      ['tool.call.started', 1],
      ['tool.call.failed', 1],
      ['tool.call.started', 2],
      ['tool.call.succeeded', 2],
    ]);
    expect(rows[1].data.error).toMatchObject({ errorClass: 'AttemptLost', retryable: true });
  });

  it('writes nothing twice when the same attempt is delivered again', async () => {
    await runAttempt('a3', 1);
    await runAttempt('a3', 1);
    const keys = await scratch.db('run_events').where('dedupe_key', 'like', `${execution.workflowId}/${execution.runId}/activity/a3/%`).pluck('dedupe_key');
    expect(keys.sort()).toEqual([key('a3', 1, 'started'), key('a3', 1, 'succeeded')].sort());
  });
});
