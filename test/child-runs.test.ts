/**
 * Child runs (`ctx.run`, test/fixtures/definitions/runs-children.ts and definitions/refund.ts) on
 * the real stack: each child is a run of its own (id, log, approvals) linked both ways to its
 * parent, listed by `GET /v1/runs?parentRunId=`, cancelled with its parent; a child's failure and
 * refused input reach the parent's definition as errors it can catch.
 */
import type { RunEvent } from '../lib/events';
import { callAs, eventsOf, expectEventSubsequence, startRun, typesOf, waitForEnd, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';

const ofType = (events: RunEvent[], type: string) => events.filter((event) => event.type === type);

describe('child runs (ctx.run) on the real dev server', () => {
  const stack = useTestStack();
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    keys.approver = (await stack.request('POST', '/v1/admin/keys', { name: 'refund approver', role: 'approver' })).body.key;
    keys.otherTenant = (await stack.request('POST', '/v1/admin/keys', { name: 'other', role: 'admin', tenantId: `${stack.tenantId}-other` })).body.key;
  });

  it('runs children to completion, each its own run linked both ways; ?parentRunId lists them, for its tenant only', async () => {
    const parentId = await startRun(stack, { definition: 'runs-children', input: { child: 'two-echoes' } });
    const parentEvents = await waitForEnd(stack, parentId);
    expect(parentEvents.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { output: [{ joined: 'a-A' }, { joined: 'b-B' }] } } });

    const childIds = [`${parentId}.echo-twice.1`, `${parentId}.echo-twice.2`];
    expect(ofType(parentEvents, 'child.started').map((event) => event.data)).toEqual(
      expect.arrayContaining([
        { childRunId: childIds[0], definition: 'echo-twice', step: 'run:echo-twice#1' },
        { childRunId: childIds[1], definition: 'echo-twice', step: 'run:echo-twice#2' },
      ]),
    );
    expect(ofType(parentEvents, 'child.completed').map((event) => event.data)).toEqual(
      expect.arrayContaining([{ childRunId: childIds[0], step: 'run:echo-twice#1', output: { joined: 'a-A' } }]),
    );
    const parent = (await stack.request('GET', `/v1/runs/${parentId}`)).body.run;
    expect(parent.parentRunId).toBeNull();

    for (const [index, childId] of childIds.entries()) {
      const childEvents = await eventsOf(stack, childId);
      expect(typesOf(childEvents)[0]).toBe('run.created');
      expect(typesOf(childEvents).at(-1)).toBe('run.completed');
      expect(childEvents[0]!.data).toMatchObject({ parentRunId: parentId, parentStep: `run:echo-twice#${index + 1}`, spec: { definition: 'echo-twice' } });
      const child = (await stack.request('GET', `/v1/runs/${childId}`)).body.run;
      // Same creator (the self-approval rule holds in the child), the child definition's own defaults.
      expect(child).toMatchObject({ parentRunId: parentId, status: 'completed', tags: ['demo'], createdBy: parent.createdBy, mode: 'definition' });
      // A started child is before its completion in the parent's log.
      const started = ofType(parentEvents, 'child.started').find((event) => (event.data as { childRunId: string }).childRunId === childId)!;
      const completed = ofType(parentEvents, 'child.completed').find((event) => (event.data as { childRunId: string }).childRunId === childId)!;
      expect(started.seq).toBeLessThan(completed.seq);
    }

    const listed = await stack.client.listRuns({ parentRunId: parentId });
    expect(listed.runs.map((run) => run.id).sort()).toEqual(childIds);
    expect(listed.runs.every((run) => run.parentRunId === parentId)).toBe(true);
    expect((await stack.client.listRuns({ parentRunId: childIds[0] })).runs).toEqual([]);
    // Another tenant sees neither the children nor the parent.
    const stranger = await callAs(stack, keys.otherTenant!, 'GET', `/v1/runs?parentRunId=${encodeURIComponent(parentId)}`);
    expect(stranger).toMatchObject({ status: 200, body: { runs: [] } });
    expect((await callAs(stack, keys.otherTenant!, 'GET', `/v1/runs/${childIds[0]}`)).status).toBe(404);
  });

  /** A runs-children run whose sleeping child has started its nap. */
  const withSleepingChild = async (input: { catch?: boolean } = {}) => {
    const parentId = await startRun(stack, { definition: 'runs-children', input: { child: 'sleeper', ...input } });
    const childId = `${parentId}.nap`;
    await waitForEvents(stack, parentId, (events) => typesOf(events).includes('child.started'));
    await waitForEvents(stack, childId, (events) => typesOf(events).includes('tool.call.succeeded'));
    return { parentId, childId };
  };

  it('has the child in the API by the time the parent records child.started', async () => {
    const parentId = await startRun(stack, { definition: 'runs-children', input: { child: 'sleeper' } });
    await waitForEvents(stack, parentId, (events) => typesOf(events).includes('child.started'));
    const child = await stack.request('GET', `/v1/runs/${parentId}.nap`);
    expect(child.status).toBe(200);
    expect(child.body.run).toMatchObject({ parentRunId: parentId, spec: { definition: 'sleeper' } });
    expect((await stack.request('POST', `/v1/runs/${parentId}/cancel`, {})).status).toBe(202);
    await waitForEnd(stack, parentId);
  });

  it('cancels the child with its parent: the child ends run.cancelled first, then the parent', async () => {
    const { parentId, childId } = await withSleepingChild();
    expect((await stack.request('POST', `/v1/runs/${parentId}/cancel`, { reason: 'no nap' })).status).toBe(202);
    const parentEnd = (await waitForEnd(stack, parentId)).at(-1)!;
    expect(parentEnd.type).toBe('run.cancelled');
    const childEnd = (await waitForEnd(stack, childId)).at(-1)!;
    expect(childEnd.type).toBe('run.cancelled');
    expect(Date.parse(childEnd.at)).toBeLessThanOrEqual(Date.parse(parentEnd.at));
    expect((await stack.request('GET', `/v1/runs/${childId}`)).body.run).toMatchObject({ status: 'cancelled', parentRunId: parentId });
  });

  it('asks the child to cancel when its parent is terminated (parentClosePolicy REQUEST_CANCEL)', async () => {
    const { parentId, childId } = await withSleepingChild();
    expect((await stack.request('POST', `/v1/runs/${parentId}/terminate`, {})).status).toBe(202);
    expect(typesOf(await waitForEnd(stack, parentId)).at(-1)).toBe('run.terminated');
    expect(typesOf(await waitForEnd(stack, childId)).at(-1)).toBe('run.cancelled');
  });

  it('fails ctx.run with ChildRunFailed (Cancelled) when the child alone is cancelled', async () => {
    const { parentId, childId } = await withSleepingChild({ catch: true });
    expect((await stack.request('POST', `/v1/runs/${childId}/cancel`, {})).status).toBe(202);
    const parentEvents = await waitForEnd(stack, parentId);
    expect(parentEvents.at(-1)).toMatchObject({
      type: 'run.completed',
      data: { output: { caught: { name: 'ChildRunFailed', errorClass: 'Cancelled', childRunId: childId, step: 'nap' } } },
    });
    expect(ofType(parentEvents, 'child.failed')[0]!.data).toMatchObject({ childRunId: childId, step: 'nap', error: { errorClass: 'Cancelled' } });
  });

  it("hands a failed child to the parent as ChildRunFailed it can catch, with the child's error", async () => {
    const parentId = await startRun(stack, { definition: 'runs-children', input: { child: 'throws', catch: true } });
    const parentEvents = await waitForEnd(stack, parentId);
    const childId = `${parentId}.throws.1`;
    expect(parentEvents.at(-1)).toMatchObject({
      type: 'run.completed',
      data: { output: { caught: { name: 'ChildRunFailed', errorClass: 'DefinitionFailed', childRunId: childId, step: 'run:throws#1' } } },
    });
    expect(JSON.stringify(parentEvents.at(-1)!.data)).toContain('the refund ledger is closed');
    expectEventSubsequence(parentEvents, ['child.started', 'child.failed', 'run.completed']);
    expect(ofType(parentEvents, 'child.failed')[0]!.data).toMatchObject({ childRunId: childId, error: { errorClass: 'DefinitionFailed' } });
    expect(typesOf(await eventsOf(stack, childId)).at(-1)).toBe('run.failed');
  });

  it('fails the parent with ChildRunFailed when it does not catch the failure', async () => {
    const parentId = await startRun(stack, { definition: 'runs-children', input: { child: 'throws' } });
    const failed = (await waitForEnd(stack, parentId)).at(-1)!;
    expect(failed).toMatchObject({ type: 'run.failed', data: { error: { errorClass: 'ChildRunFailed', step: 'run:throws#1' } } });
    const { message } = (failed.data as { error: { message: string } }).error;
    expect(message).toContain(`child run ${parentId}.throws.1`);
    expect(message).toContain('DefinitionFailed');
  });

  it('refuses input that does not fit the child before any child starts: catchable, or the parent fails InvalidInput', async () => {
    const caughtId = await startRun(stack, { definition: 'runs-children', input: { child: 'bad-input', catch: true } });
    const uncaughtId = await startRun(stack, { definition: 'runs-children', input: { child: 'bad-input' } });
    const caught = await waitForEnd(stack, caughtId);
    expect(caught.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { caught: { name: 'ChildRunInputError', errorClass: 'InvalidInput' } } } });
    expect(JSON.stringify(caught.at(-1)!.data)).toContain('ctx.run(\\"echo-twice\\"): input does not fit the definition');
    const uncaught = await waitForEnd(stack, uncaughtId);
    expect(uncaught.at(-1)).toMatchObject({ type: 'run.failed', data: { error: { errorClass: 'InvalidInput' } } });
    for (const [parentId, events] of [
      [caughtId, caught],
      [uncaughtId, uncaught],
    ] as const) {
      expect(typesOf(events).filter((type) => type.startsWith('child.'))).toEqual([]);
      expect(await stack.db('runs').where({ parent_run_id: parentId })).toEqual([]);
      expect(await stack.db('runs').whereLike('id', `${parentId}.%`)).toEqual([]);
    }
  });

  it('refunds end to end: the parent waits for an approver (not its creator), then issues the refund as a child run', async () => {
    const parentId = await startRun(stack, { definition: 'refund', input: { orderId: 'A-17', amount: 30, reason: 'damaged' } });
    const requested = ofType(await waitForEvents(stack, parentId, (events) => typesOf(events).includes('approval.requested')), 'approval.requested')[0]!;
    expect(requested.data).toMatchObject({ stepId: 'approve', title: 'Refund 30 EUR on order A-17?', args: { amount: 30, reason: 'damaged' } });
    const decide = `/v1/runs/${parentId}/approvals/${encodeURIComponent(`${parentId}:approve`)}`;
    expect((await stack.request('POST', decide, { decision: 'approve' })).status).toBe(403); // the creator may not approve
    expect((await stack.request('GET', `/v1/runs?parentRunId=${parentId}`)).body.runs).toEqual([]); // no child before the decision
    expect((await callAs(stack, keys.approver!, 'POST', decide, { decision: 'approve', args: { amount: 25, reason: 'damaged' } })).status).toBe(202);

    const parentEvents = await waitForEnd(stack, parentId);
    const childId = `${parentId}.issue`;
    expect(parentEvents.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { refunded: true, amount: 25, receipt: 'refund-A-17-25EUR' } } });
    expectEventSubsequence(parentEvents, ['approval.requested', 'approval.decided', 'child.started', 'child.completed', 'run.completed']);
    const childEvents = await eventsOf(stack, childId);
    expect(childEvents[0]).toMatchObject({
      type: 'run.created',
      data: { parentRunId: parentId, parentStep: 'issue', spec: { input: { orderId: 'A-17', amount: 25 } } },
    });
    expect(ofType(childEvents, 'step.started').map((event) => (event.data as { stepId: string }).stepId)).toEqual(['book', 'notify']);
    expect(typesOf(childEvents).at(-1)).toBe('run.completed');
    expect((await stack.client.listRuns({ parentRunId: parentId })).runs.map((run) => run.id)).toEqual([childId]);
  });
});
