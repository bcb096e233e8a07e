/**
 * Plan graphs on the real stack (docs/runs.md, "Plan graphs"): `dependsOn` runs independent steps
 * at once, `forEach` calls a tool per item, `when` skips steps (`step.skipped`), and a plan that
 * uses none of them runs exactly as plans always have (same events, no patch marker in history).
 */
import { Client, Connection } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import { saveHistoryFixture } from './history-fixtures';
import { expectEventTypes, startRun, typesOf, waitForEnd, waitForEvents, runCountOf } from './run-helpers';
import { useTestStack } from './stack';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const seqOf = (events: RunEvent[], type: string, stepId: string) =>
  events.find((event) => event.type === type && (event.data as { stepId?: string }).stepId === stepId)?.seq ?? Number.NaN;
const gated = { allowSelfApproval: true };

describe('plan graphs on the real dev server', () => {
  const stack = useTestStack();
  let connection: Connection;
  let temporal: Client;
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    temporal = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  });
  afterAll(async () => {
    await connection?.close();
  });

  /** The patch ids the run's workflow history recorded (`patched()` markers). */
  const patchesOf = async (runId: string): Promise<string[]> => {
    const history = await temporal.workflow.getHandle(runId).fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const marker = event.markerRecordedEventAttributes;
      const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
      return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
    });
  };

  it('runs a diamond: b and c both start before either is done, d after both', async () => {
    const runId = await startRun(stack, {
      plan: {
        steps: [
          { id: 'a', tool: 'builtin.echo', args: { word: 'hi' } },
          { id: 'b', tool: 'builtin.echo', args: { left: '${steps.a.output.word}' }, dependsOn: ['a'], approval: gated },
          { id: 'c', tool: 'builtin.echo', args: { right: '${steps.a.output.word}' }, dependsOn: ['a'], approval: gated },
          { id: 'd', tool: 'builtin.echo', args: { both: '${steps.b.output.left}-${steps.c.output.right}' }, dependsOn: ['b', 'c'] },
        ],
      },
    });
    // Both gates are open at once: in a sequence, c's would not be asked for until b's was decided.
    const waiting = await waitForEvents(stack, runId, (events) => dataOf(events, 'approval.requested').length === 2);
    expect(dataOf(waiting, 'approval.requested').map((data) => data.stepId)).toEqual(['b', 'c']);
    expect(typesOf(waiting)).not.toContain('approval.decided');
    expect(seqOf(waiting, 'step.started', 'd')).toBeNaN();
    for (const step of ['b', 'c']) {
      const decided = await stack.request('POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(`${runId}:${step}`)}`, { decision: 'approve' });
      expect(decided.status).toBe(202);
    }
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    const started = Math.max(seqOf(events, 'step.started', 'b'), seqOf(events, 'step.started', 'c'));
    expect(started).toBeLessThan(Math.min(seqOf(events, 'tool.call.succeeded', 'b'), seqOf(events, 'tool.call.succeeded', 'c')));
    expect(seqOf(events, 'step.started', 'd')).toBeGreaterThan(Math.max(seqOf(events, 'tool.call.succeeded', 'b'), seqOf(events, 'tool.call.succeeded', 'c')));
    expect(dataOf(events, 'run.completed')[0].output).toEqual({ a: { word: 'hi' }, b: { left: 'hi' }, c: { right: 'hi' }, d: { both: 'hi-hi' } });
    expect(await patchesOf(runId)).toContain('plan-dag');
    await saveHistoryFixture('plan-dag-diamond', runId);
  });

  it('stops the other branches when one fails: the run fails at that step without waiting for them', async () => {
    const runId = await startRun(stack, {
      plan: {
        steps: [
          { id: 'nap', tool: 'builtin.wait', args: { seconds: 120 }, dependsOn: [] },
          { id: 'shaky', tool: 'builtin.flaky', args: { failures: 5 }, retry: { maxAttempts: 1 }, dependsOn: [] },
          { id: 'after', tool: 'builtin.echo', args: {}, dependsOn: ['nap', 'shaky'] },
        ],
      },
    });
    const events = await waitForEnd(stack, runId, 20_000);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({ errorClass: 'FlakyFailure', step: 'shaky' });
    expect(seqOf(events, 'step.started', 'after')).toBeNaN();
    expect(dataOf(events, 'tool.call.succeeded').filter((data) => data.stepId === 'nap')).toEqual([]);
    await saveHistoryFixture('plan-dag-failed-branch', runId);
  });

  it.each([
    [
      'a dependsOn cycle',
      [
        { id: 'a', tool: 'builtin.echo', args: {}, dependsOn: ['c'] },
        { id: 'b', tool: 'builtin.echo', args: {}, dependsOn: ['a'] },
        { id: 'c', tool: 'builtin.echo', args: {}, dependsOn: ['b'] },
      ],
      'plan.steps: steps depend on each other in a cycle: a → c → b → a',
    ],
    ['a step depending on itself', [{ id: 'a', tool: 'builtin.echo', args: {}, dependsOn: ['a'] }], 'cycle: a → a'],
    [
      'an unknown dependsOn',
      [
        { id: 'a', tool: 'builtin.echo', args: {} },
        { id: 'b', tool: 'builtin.echo', args: {}, dependsOn: ['a', 'zz'] },
      ],
      'plan.steps.1.dependsOn.1: step "b" depends on "zz", which is no step of the plan',
    ],
    [
      'an output used without depending on its step',
      [
        { id: 'a', tool: 'builtin.echo', args: {} },
        { id: 'b', tool: 'builtin.echo', args: { x: '${steps.a.output}' }, dependsOn: [] },
      ],
      'plan.steps.1.args.x: step "b" uses the output of "a" but does not depend on it',
    ],
    ['${item} outside a forEach', [{ id: 'a', tool: 'builtin.echo', args: { x: '${item}' } }], 'plan.steps.0.args.x: ${item} is only known'],
    [
      'a when on a later step',
      [
        { id: 'a', tool: 'builtin.echo', args: {}, when: { exists: '${steps.b.output}' } },
        { id: 'b', tool: 'builtin.echo', args: {} },
      ],
      'plan.steps.0.when.exists: step "a" uses the output of "b", which runs after it',
    ],
  ])('refuses %s with 422 naming the steps, before any run starts', async (_label, steps, mentions) => {
    const before = await runCountOf(stack);
    const response = await stack.request('POST', '/v1/runs', { plan: { steps } });
    expect(response.status).toBe(422);
    const problems = (response.body.error.details as Array<{ path: string; message: string }>).map((p) => `${p.path}: ${p.message}`);
    expect(problems.join('\n')).toContain(mentions);
    expect(await runCountOf(stack)).toBe(before);
  });

  it('refuses concurrency without forEach, and a when the condition language does not know, with 400', async () => {
    const noForEach = await stack.request('POST', '/v1/runs', { plan: { steps: [{ id: 'a', tool: 'builtin.echo', concurrency: 2 }] } });
    expect([noForEach.status, noForEach.body.error.details]).toEqual([400, [expect.objectContaining({ path: 'plan.steps.0.concurrency' })]]);
    const code = await stack.request('POST', '/v1/runs', { plan: { steps: [{ id: 'a', tool: 'builtin.echo', when: { eval: '1 == 1' } }] } });
    expect(code.status).toBe(400);
  });

  it('calls a forEach step once per item (concurrency 2), each call its own step; the outputs in the items’ order', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const runId = await startRun(stack, {
      input: { items },
      plan: {
        steps: [
          { id: 'list', tool: 'builtin.echo', args: { items: '${input.items}' } },
          { id: 'fan', tool: 'builtin.echo', forEach: '${steps.list.output.items}', concurrency: 2, args: { letter: '${item}', at: '${index}' } },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    expect(dataOf(events, 'run.completed')[0].output.fan).toEqual(items.map((letter, at) => ({ letter, at })));
    const fanSteps = dataOf(events, 'step.started')
      .map((data) => data.stepId as string)
      .filter((id) => id.startsWith('fan'));
    expect(fanSteps.sort()).toEqual(items.map((_, index) => `fan[${index}]`));
    const keys = dataOf(events, 'tool.call.started').map((data) => data.idempotencyKey as string);
    expect(new Set(keys).size).toBe(6);
    expect(keys).toContain(`${runId}/fan[4]`);
    await saveHistoryFixture('plan-foreach', runId);
  });

  it('never has more than `concurrency` item calls in flight: each call past the second starts after one has ended', async () => {
    // builtin.wait is an ordinary activity: its tool.call.started is logged before it runs, its outcome after.
    const runId = await startRun(stack, {
      input: { naps: [0, 0, 0, 0, 0] },
      plan: { steps: [{ id: 'nap', tool: 'builtin.wait', forEach: '${input.naps}', concurrency: 2, args: { seconds: '${item}' } }] },
    });
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    let inFlight = 0;
    let most = 0;
    for (const event of events) {
      if (event.type === 'tool.call.started') inFlight += 1;
      if (event.type === 'tool.call.succeeded' || event.type === 'tool.call.failed') inFlight -= 1;
      most = Math.max(most, inFlight);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(dataOf(events, 'tool.call.succeeded')).toHaveLength(5);
  });

  it("retries each item's call by the step's policy, logging every attempt under the item's step", async () => {
    const runId = await startRun(stack, {
      input: { failures: [1, 0, 2] },
      plan: {
        steps: [{ id: 'shaky', tool: 'builtin.flaky', forEach: '${input.failures}', retry: { initialInterval: '50ms' }, args: { failures: '${item}' } }],
      },
    });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'run.completed')[0].output.shaky).toEqual([
      { attempt: 2, failedFirst: 1 },
      { attempt: 1, failedFirst: 0 },
      { attempt: 3, failedFirst: 2 },
    ]);
    const failedAttempts = dataOf(events, 'tool.call.failed').map((data) => `${data.stepId}#${data.attempt}`);
    expect(failedAttempts.sort()).toEqual(['shaky[0]#1', 'shaky[2]#1', 'shaky[2]#2']);
  });

  it('counts each item call toward maxToolCalls', async () => {
    const runId = await startRun(stack, {
      limits: { maxToolCalls: 3 },
      input: { items: [1, 2, 3, 4, 5] },
      plan: { steps: [{ id: 'fan', tool: 'builtin.echo', forEach: '${input.items}', concurrency: 1, args: { n: '${item}' } }] },
    });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'tool.call.succeeded')).toHaveLength(3);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({ errorClass: 'LimitExceeded', message: 'maxToolCalls (3) exceeded' });
  });

  it('fails the run clearly when forEach does not resolve to an array', async () => {
    const runId = await startRun(stack, {
      plan: {
        steps: [
          { id: 'list', tool: 'builtin.echo', args: { items: 'not a list' } },
          { id: 'fan', tool: 'builtin.echo', forEach: '${steps.list.output.items}', args: { x: '${item}' } },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'ForEachNotArray',
      retryable: false,
      step: 'fan',
      message: 'step fan: forEach ${steps.list.output.items} is string, not an array',
    });
    expect(dataOf(events, 'step.started').map((data) => data.stepId)).toEqual(['list']);
  });

  it('skips a step whose when is false (step.skipped), and the steps that use it, and completes', async () => {
    const runId = await startRun(stack, {
      input: { kind: 'sale' },
      plan: {
        steps: [
          { id: 'classify', tool: 'builtin.echo', args: { kind: '${input.kind}' } },
          { id: 'refund', tool: 'builtin.echo', args: { refunded: true }, when: { equals: ['${steps.classify.output.kind}', 'refund'] } },
          { id: 'notify', tool: 'builtin.echo', args: { text: 'refunded: ${steps.refund.output.refunded}' } },
          {
            id: 'report',
            tool: 'builtin.echo',
            args: { kind: '${steps.classify.output.kind}' },
            when: { and: [{ not: { exists: '${steps.refund.output}' } }, { or: [{ equals: ['${input.kind}', 'sale'] }, { exists: '${input.vip}' }] }] },
          },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'step.skipped',
      'step.skipped',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'run.completed',
    ]);
    expect(dataOf(events, 'step.skipped')).toEqual([
      { stepId: 'refund', tool: 'builtin.echo', reason: 'condition' },
      { stepId: 'notify', tool: 'builtin.echo', reason: 'dependency', dependency: 'refund' },
    ]);
    expect(dataOf(events, 'run.completed')[0].output).toEqual({ classify: { kind: 'sale' }, report: { kind: 'sale' } });
    const run = (await stack.request('GET', `/v1/runs/${runId}`)).body.run;
    expect(run).toMatchObject({ status: 'completed', currentStep: null, toolCalls: { started: 2, succeeded: 2, failed: 0 } });
    await saveHistoryFixture('plan-when-skipped', runId);
  });

  it('runs a plan without dependsOn, forEach or when exactly as before: in order, the same events, no patch marker', async () => {
    const runId = await startRun(stack, {
      input: { user: 'Ada' },
      plan: {
        steps: [
          { id: 'greet', tool: 'builtin.echo', args: { text: 'hello ${input.user}' } },
          { id: 'again', tool: 'builtin.echo', args: { text: '${steps.greet.output.text}!' } },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'run.completed',
    ]);
    expect(dataOf(events, 'run.completed')[0].output).toEqual({ greet: { text: 'hello Ada' }, again: { text: 'hello Ada!' } });
    expect(await patchesOf(runId)).not.toContain('plan-dag');
  });
});
