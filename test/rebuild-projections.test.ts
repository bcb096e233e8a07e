/**
 * The `runs` projection can be rebuilt from the events: runs made by the real stack fold back to
 * identical rows, a corrupted row is reported by `--check` and restored by a rebuild, and a
 * rebuild waits for the lock live appends hold.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { builtinTools } from '../tools/builtin';
import { ToolRegistry } from '../tools/registry';
import { defineTool, shortToolPolicy } from '../tools/tool';
import { rebuildRunProjection } from '../lib/rebuild-projection';
import { linesStartingWith, runScript } from './run-script';
import { useTestStack } from './stack';
import { sleep } from './wait';

/** A tool that refuses every call as the caller's mistake: the call fails for good, and so does the run. */
const refusingTool = defineTool({
  name: 'testing.refuse',
  description: 'Fails every call with a non-retryable client error.',
  inputSchema: z.record(z.string(), z.json()),
  defaults: shortToolPolicy,
  requiresApproval: false,
  idempotent: true,
  execute: async () => {
    throw ApplicationFailure.create({ type: 'ClientError', message: 'refused', nonRetryable: true });
  },
});

const echoStep = (id: string) => ({ id, tool: 'builtin.echo', args: { message: id } });

describe('rebuilding the runs projection from events', () => {
  const runIds: Record<'oneStep' | 'multiStep' | 'failed', string> = { oneStep: '', multiStep: '', failed: '' };
  const runsRows = () => stack.db('runs').whereIn('id', Object.values(runIds)).orderBy('id').select('*');
  const selectMine = () => Object.values(runIds).flatMap((id) => ['--run', id]);
  const rebuildScript = (...args: string[]) => runScript('rebuild-projections', [...selectMine(), ...args], {});

  const stack = useTestStack({ tools: new ToolRegistry([...builtinTools, refusingTool]) });
  beforeAll(async () => {
    const plans = {
      oneStep: [echoStep('only')],
      multiStep: ['a', 'b', 'c', 'd'].map(echoStep),
      failed: [echoStep('first'), { id: 'refused', tool: 'testing.refuse', args: { message: 'x' } }],
    };
    for (const [name, steps] of Object.entries(plans) as Array<[keyof typeof plans, unknown[]]>) {
      const started = await stack.request('POST', '/v1/runs', { name, tags: ['rebuild'], plan: { steps } });
      expect(started.status).toBe(201);
      runIds[name] = started.body.run.id;
    }
    const finished = await Promise.all(Object.values(runIds).map((id) => stack.waitForRun(id)));
    expect(finished.map((run) => run.status)).toEqual(['completed', 'completed', 'failed']);
  });

  it('folds every run back to the row the log wrote, column for column', async () => {
    const before = await runsRows();
    expect(before).toHaveLength(3);
    for (const id of Object.values(runIds)) {
      expect(await rebuildRunProjection(stack.db, id, { mode: 'check' })).toEqual({ runId: id, differences: [], written: false });
    }
    const check = await rebuildScript('--check');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('checked 3 runs: 3 match their events, 0 differ');

    const rebuilt = await rebuildScript();
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain('rebuilt 0 of 3 runs (3 already matched their events)');
    expect(await runsRows()).toEqual(before);
  });

  it('reports a corrupted row with --check, then restores it exactly', async () => {
    const before = await runsRows();
    await stack.db('runs').where({ id: runIds.multiStep }).update({ status: 'running', tool_calls_succeeded: 0 });

    const check = await rebuildScript('--check');
    expect(check.code).toBe(1);
    expect(linesStartingWith(check, 'DIFFERS')).toEqual([`DIFFERS ${runIds.multiStep} tenant=${stack.tenantId} fields=status,toolCalls`]);
    expect(check.stdout).toContain('checked 3 runs: 2 match their events, 1 differ');
    expect(await runsRows()).not.toEqual(before); // --check wrote nothing

    const rebuilt = await rebuildScript();
    expect(rebuilt.code).toBe(0);
    expect(linesStartingWith(rebuilt, 'REBUILT')).toEqual([`REBUILT ${runIds.multiStep} tenant=${stack.tenantId} fields=status,toolCalls`]);
    expect(await runsRows()).toEqual(before);
  });

  it('restores every derived column of a failed run through the library function', async () => {
    const before = await runsRows();
    await stack
      .db('runs')
      .where({ id: runIds.failed })
      .update({
        status: 'completed',
        last_error: null,
        output: JSON.stringify({ forged: true }),
        tool_calls_failed: 0,
        completed_at: null,
        last_seq: 1,
        tags: ['forged'],
      });
    const rebuild = await rebuildRunProjection(stack.db, runIds.failed, { mode: 'write' });
    expect(rebuild.written).toBe(true);
    expect(rebuild.differences.sort()).toEqual(['completedAt', 'lastError', 'lastSeq', 'output', 'status', 'tags', 'toolCalls']);
    expect(await runsRows()).toEqual(before);
  });

  it('waits for the row lock an append holds, so it cannot interleave with live appends', async () => {
    // appendEvents holds this lock (runs row FOR UPDATE) from reading the head to writing the fold.
    await stack.db.transaction(async (appendInFlight) => {
      await appendInFlight('runs').where({ id: runIds.oneStep }).forUpdate().first();
      let settled = false;
      const rebuild = rebuildRunProjection(stack.db, runIds.oneStep, { mode: 'write' }).finally(() => (settled = true));
      await sleep(300);
      expect(settled).toBe(false);
      await appendInFlight.commit();
      expect(await rebuild).toMatchObject({ differences: [], written: false });
    });
  });
});
