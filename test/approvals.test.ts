import { Client, Connection } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import { submitDecision } from '../domains/approvals';
import { argsHashOf } from '../lib/args-hash';
import { AppError } from '../lib/errors';
import { InFlight } from '../lib/in-flight';
import { rebuildRunProjection } from '../lib/rebuild-projection';
import { builtinTools } from '../tools/builtin';
import { ToolRegistry } from '../tools/registry';
import { saveHistoryFixture } from './history-fixtures';
import { callAs, eventsOf, searchStatusOf, signingClient, startRun, typesOf, waitForEnd, waitForEvents, expectEventTypes } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const gatedEcho = (approval: unknown, args: Record<string, unknown> = { message: 'hi' }) => ({
  plan: { steps: [{ id: 'send', tool: 'builtin.echo', args, approval }] },
});

describe('human approvals', () => {
  let temporal: Client;
  let connection: Connection;
  const keys: Record<string, string> = {};

  const call = (key: string, method: string, path: string, body?: unknown) => callAs(stack, key, method, path, body);
  const decide = (key: string, runId: string, body: unknown) => call(key, 'POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(`${runId}:send`)}`, body);
  const awaitRequest = (runId: string) => waitForEvents(stack, runId, (events) => typesOf(events).includes('approval.requested'));

  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        await connection?.close();
      },
    },
  );
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    // Signed as the API's client signs: these tests are about what the workflow makes of a signal's content.
    temporal = signingClient(connection);
    for (const [name, role] of [
      ['approver1', 'approver'],
      ['approver2', 'approver'],
      ['approver3', 'approver'],
      ['operator', 'operator'],
      ['viewer', 'viewer'],
    ]) {
      keys[name!] = (await stack.request('POST', '/v1/admin/keys', { name, role })).body.key;
    }
    keys.stranger = (await stack.request('POST', '/v1/admin/keys', { name: 'stranger', role: 'admin', tenantId: `elsewhere-${Date.now()}` })).body.key;
  });

  it('stores nothing of a decision Temporal did not take, so the approver can submit it again', async () => {
    const runId = await startRun(stack, gatedEcho(true));
    await awaitRequest(runId);
    const approvalId = `${runId}:send`;
    const principal = {
      tenantId: stack.tenantId,
      role: 'approver' as const,
      superAdmin: false,
      actor: { type: 'api_key' as const, id: 'approver-direct', name: 'approver-direct', role: 'approver' },
    };
    const deps = { db: stack.db, temporal, temporalCalls: new InFlight(), tools: new ToolRegistry(builtinTools) };
    // A real Temporal client on a namespace the server does not have: the signal fails as an outage would.
    const unreachable = new Client({ connection, namespace: `no-such-namespace-${Date.now()}` });

    const failed = await submitDecision({ ...deps, temporal: unreachable }, principal, runId, approvalId, { decision: 'approve' }).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(AppError);
    expect((failed as AppError).code).toBe('unavailable');
    expect(typesOf(await eventsOf(stack, runId))).not.toContain('approval.submitted');
    const row = await stack.db('approvals').where({ id: approvalId }).first();
    expect(row).toMatchObject({ status: 'pending', submissions: [] });

    const retried = await submitDecision(deps, principal, runId, approvalId, { decision: 'approve' });
    expect(retried.submissions).toHaveLength(1);
    const events = await waitForEnd(stack, runId);
    expect(events.filter((event) => event.type === 'approval.submitted')).toHaveLength(1);
    expect(typesOf(events).at(-1)).toBe('run.completed');
  });

  it('holds a gated step until an approver approves; the inbox, projection and FlightdeckStatus follow', async () => {
    const inbox = await TestStreamClient.connect(stack.wsUrl, keys.viewer!);
    try {
      inbox.send({ type: 'subscribe', approvals: true });
      await inbox.waitFor((frames) => frames.some((frame) => frame.type === 'subscribed'));
      const runId = await startRun(stack, gatedEcho(true));
      const requested = await awaitRequest(runId);
      expectEventTypes(requested, ['run.created', 'run.started', 'step.started', 'approval.requested']);
      expect(dataOf(requested, 'approval.requested')[0]).toMatchObject({
        approvalId: `${runId}:send`,
        tool: 'builtin.echo',
        args: { message: 'hi' },
        approvers: ['approver'],
        required: 1,
      });
      expect((await stack.request('GET', `/v1/runs/${runId}`)).body.run).toMatchObject({ status: 'awaiting_approval', pendingApprovals: 1 });
      const pending = await call(keys.viewer!, 'GET', '/v1/approvals?status=pending');
      expect(pending.body.approvals.map((approval: { id: string }) => approval.id)).toContain(`${runId}:send`);
      expect(await searchStatusOf(temporal, runId, 'awaiting_approval')).toEqual(['awaiting_approval']);

      expect((await decide(keys.operator!, runId, { decision: 'approve' })).status).toBe(403);
      expect((await decide(keys.stranger!, runId, { decision: 'approve' })).status).toBe(404);
      const approved = await decide(keys.approver1!, runId, { decision: 'approve', comment: 'ok' });
      expect(approved.status).toBe(202);
      const events = await waitForEnd(stack, runId);
      expectEventTypes(events, ['approval.requested', 'approval.submitted', 'approval.decided', 'tool.call.started', 'tool.call.succeeded', 'run.completed'], {
        from: 3,
      });
      const submitted = events.find((event) => event.type === 'approval.submitted')!;
      expect(submitted.actor).toMatchObject({ name: 'approver1', role: 'approver', ip: expect.any(String) });
      expect(dataOf(events, 'approval.decided')[0]).toMatchObject({ decision: 'approve', by: [expect.objectContaining({ name: 'approver1' })] });
      await inbox.waitFor((frames) => frames.some((frame) => frame.type === 'approval' && (frame.approval as { status: string }).status === 'approved'));
      expect(inbox.frames.filter((frame) => frame.type === 'approval').map((frame) => (frame.approval as { status: string }).status)).toEqual(
        expect.arrayContaining(['pending', 'approved']),
      );
      await saveHistoryFixture('approval-approved', runId);
    } finally {
      await inbox.close();
    }
  });

  it('rejects with a comment: the step never runs and a second decision is a 409 with the first', async () => {
    const runId = await startRun(stack, gatedEcho(true));
    await awaitRequest(runId);
    expect((await decide(keys.approver1!, runId, { decision: 'reject', comment: 'not today' })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events)).not.toContain('tool.call.started');
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'ApprovalRejected',
      message: 'step send was not approved (rejected: not today)',
    });
    const again = await decide(keys.approver2!, runId, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ status: 'rejected', decision: { decision: 'reject', comment: 'not today' } });
    await saveHistoryFixture('approval-rejected', runId);
  });

  it('approves with edited args, validated against the tool and recorded', async () => {
    const runId = await startRun(stack, { plan: { steps: [{ id: 'send', tool: 'builtin.wait', args: { seconds: 600 }, approval: true }] } });
    await awaitRequest(runId);
    const invalid = await decide(keys.approver1!, runId, { decision: 'approve', args: { seconds: 'soon' } });
    expect(invalid.status).toBe(422);
    expect(dataOf(await eventsOf(stack, runId), 'approval.submitted')).toHaveLength(0);
    expect((await decide(keys.approver1!, runId, { decision: 'approve', args: { seconds: 0 } })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'approval.decided')[0]).toMatchObject({ editedArgs: { seconds: 0 }, originalArgs: { seconds: 600 } });
    expect(dataOf(events, 'tool.call.started')[0].args).toEqual({ seconds: 0 });
    expect(typesOf(events).at(-1)).toBe('run.completed');
  });

  it('applies onTimeout at the deadline and refuses late decisions', async () => {
    const rejectByDefault = await startRun(stack, gatedEcho({ timeout: '1s' }));
    const approveOnTimeout = await startRun(stack, gatedEcho({ timeout: '1s', onTimeout: 'approve' }));
    const failOnTimeout = await startRun(stack, gatedEcho({ timeout: '1s', onTimeout: 'fail' }));
    const rejected = await waitForEnd(stack, rejectByDefault);
    expect(dataOf(rejected, 'approval.expired')[0]).toMatchObject({ onTimeout: 'reject' });
    expect(dataOf(rejected, 'run.failed')[0].error).toMatchObject({
      errorClass: 'ApprovalRejected',
      message: expect.stringContaining('no decision before the deadline'),
    });
    const late = await decide(keys.approver1!, rejectByDefault, { decision: 'approve' });
    expect(late.status).toBe(409);
    expect(late.body.error.details.status).toBe('expired');
    expect(typesOf(await waitForEnd(stack, approveOnTimeout)).slice(-3)).toEqual(['tool.call.started', 'tool.call.succeeded', 'run.completed']);
    expect(dataOf(await waitForEnd(stack, failOnTimeout), 'run.failed')[0].error.errorClass).toBe('ApprovalExpired');
    await saveHistoryFixture('approval-expired', rejectByDefault);
  });

  it('does not approve on timeout args an approver edited: neither the asked nor the edited args run', async () => {
    const runId = await startRun(stack, gatedEcho({ required: 2, timeout: '5s', onTimeout: 'approve' }, { message: 'as asked' }));
    await awaitRequest(runId);
    const edited = await decide(keys.approver1!, runId, { decision: 'approve', args: { message: 'as edited' } });
    expect(edited.body.approval).toMatchObject({ status: 'pending', currentArgs: { message: 'as edited' }, approvals: 1 });
    const events = await waitForEnd(stack, runId, 60_000);
    expect(dataOf(events, 'approval.expired')[0]).toEqual({ approvalId: `${runId}:send`, onTimeout: 'approve', argsEdited: true });
    expect(typesOf(events)).not.toContain('tool.call.started');
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'ApprovalExpired',
      message: expect.stringContaining('neither the asked nor the edited args ran'),
    });
    await saveHistoryFixture('approval-expired-after-edit', runId);
  });

  it('decides exactly once under 10 concurrent approve calls', async () => {
    const runId = await startRun(stack, gatedEcho(true));
    await awaitRequest(runId);
    const racers = await Promise.all(
      Array.from(
        { length: 10 },
        async (_, index) => (await stack.request('POST', '/v1/admin/keys', { name: `racer${index}`, role: 'approver' })).body.key as string,
      ),
    );
    const answers = await Promise.all(racers.map((key) => decide(key, runId, { decision: 'approve' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'approval.submitted')).toHaveLength(1);
    expect(dataOf(events, 'approval.decided')).toHaveLength(1);
    expect(dataOf(events, 'tool.call.succeeded')).toHaveLength(1);
  });

  it('stays awaiting_approval in FlightdeckStatus while a parallel gate still waits', async () => {
    const gated = (id: string) => ({ id, tool: 'builtin.echo', args: { message: id }, approval: true, dependsOn: [] });
    const runId = await startRun(stack, { plan: { steps: [gated('first'), gated('second')] } });
    await waitForEvents(stack, runId, (events) => dataOf(events, 'approval.requested').length === 2);
    const decideStep = (step: string) =>
      call(keys.approver1!, 'POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(`${runId}:${step}`)}`, { decision: 'approve' });
    expect((await decideStep('first')).status).toBe(202);
    await waitForEvents(stack, runId, (events) => dataOf(events, 'tool.call.succeeded').length === 1);
    expect(await searchStatusOf(temporal, runId, 'awaiting_approval')).toEqual(['awaiting_approval']);
    expect((await temporal.workflow.getHandle(runId).query<{ status: string }>('state')).status).toBe('awaiting_approval');
    expect((await decideStep('second')).status).toBe(202);
    expect(typesOf(await waitForEnd(stack, runId)).at(-1)).toBe('run.completed');
    expect(await searchStatusOf(temporal, runId, 'completed')).toEqual(['completed']);
  });

  it('needs two distinct approvers for required: 2', async () => {
    const runId = await startRun(stack, gatedEcho({ required: 2 }));
    await awaitRequest(runId);
    expect((await decide(keys.approver1!, runId, { decision: 'approve' })).status).toBe(202);
    expect((await decide(keys.approver1!, runId, { decision: 'approve' })).status).toBe(409);
    await sleep(300);
    expect(typesOf(await eventsOf(stack, runId))).not.toContain('approval.decided');
    expect((await decide(keys.approver2!, runId, { decision: 'approve' })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'approval.decided')[0].by.map((actor: { name: string }) => actor.name)).toEqual(['approver1', 'approver2']);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    await saveHistoryFixture('approval-quorum', runId);

    // The approvals inbox is a projection too: rebuilt from the events like the runs row.
    const approvalId = `${runId}:send`;
    const stored = await stack.db('approvals').where({ id: approvalId }).first();
    await stack.db('approvals').where({ id: approvalId }).update({ status: 'pending', submissions: '[]' });
    expect((await rebuildRunProjection(stack.db, runId, { mode: 'check' })).differences).toEqual(['approvals']);
    expect((await stack.db('approvals').where({ id: approvalId }).first()).status).toBe('pending');
    expect(await rebuildRunProjection(stack.db, runId, { mode: 'write' })).toMatchObject({ differences: ['approvals'], written: true });
    expect(await stack.db('approvals').where({ id: approvalId }).first()).toEqual(stored);
  });

  it('ends the wait when the run is cancelled', async () => {
    const runId = await startRun(stack, gatedEcho(true));
    await awaitRequest(runId);
    expect((await stack.request('POST', `/v1/runs/${runId}/cancel`, { reason: 'no longer needed' })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, ['run.cancel_requested', 'run.cancelled'], { tail: true });
    const approvals = await call(keys.viewer!, 'GET', `/v1/approvals?runId=${runId}`);
    expect(approvals.body.approvals[0].status).toBe('cancelled');
    expect((await stack.request('GET', `/v1/runs/${runId}`)).body.run.pendingApprovals).toBe(0);
  });

  it('records and ignores signals sent straight to the workflow that are malformed or lack the right (signed, as the API would)', async () => {
    const runId = await startRun(stack, gatedEcho(true));
    await awaitRequest(runId);
    const handle = temporal.workflow.getHandle(runId);
    const approvalId = `${runId}:send`;
    await handle.signal('approval', { approvalId, decision: 'maybe' });
    await handle.signal('approval', { approvalId, decision: 'approve', actor: { type: 'api_key', id: 'x', role: 'viewer' }, tenantId: stack.tenantId });
    await handle.signal('approval', { approvalId, decision: 'approve', actor: { type: 'api_key', id: 'y', role: 'approver' }, tenantId: 'someone-else' });
    await handle.signal('approval', 'junk');
    const events = await waitForEvents(stack, runId, (all) => dataOf(all, 'approval.signal_rejected').length === 4);
    expect(dataOf(events, 'approval.signal_rejected').map((rejection) => rejection.reason)).toEqual([
      'decision must be "approve" or "reject"',
      'role viewer may not decide (needs approver)',
      "actor is not of the run's tenant",
      // Not an object, so nothing signed it: refused before its content is looked at.
      'missing_signature',
    ]);
    expect(typesOf(events)).not.toContain('approval.decided');
    expect((await decide(keys.approver1!, runId, { decision: 'approve' })).status).toBe(202);
    expect(typesOf(await waitForEnd(stack, runId)).at(-1)).toBe('run.completed');
    await saveHistoryFixture('approval-bad-signals', runId);
  });

  const approvalOf = async (runId: string) => (await call(keys.viewer!, 'GET', `/v1/approvals?runId=${runId}`)).body.approvals[0];

  it('binds each approval to the args it saw: an edit restarts the quorum, and what runs is what the final quorum approved', async () => {
    const runId = await startRun(stack, gatedEcho({ required: 2 }, { message: 'to everyone' }));
    await awaitRequest(runId);
    const asked = await approvalOf(runId);
    const askedHash = argsHashOf({ message: 'to everyone' });
    expect(asked).toMatchObject({ args: { message: 'to everyone' }, currentArgs: { message: 'to everyone' }, argsHash: askedHash, approvals: 0 });
    expect(dataOf(await eventsOf(stack, runId), 'approval.requested')[0].argsHash).toBe(askedHash);

    expect((await decide(keys.approver1!, runId, { decision: 'approve', argsHash: askedHash })).status).toBe(202);
    // approver2 approves other args: approver1's approval was for the old ones and no longer counts.
    const edited = await decide(keys.approver2!, runId, { decision: 'approve', argsHash: askedHash, args: { message: 'to the team' } });
    expect(edited.status).toBe(202);
    const editedHash = argsHashOf({ message: 'to the team' });
    expect(edited.body.approval).toMatchObject({ status: 'pending', currentArgs: { message: 'to the team' }, argsHash: editedHash, approvals: 1 });
    await sleep(300);
    expect(typesOf(await eventsOf(stack, runId))).not.toContain('approval.decided');

    // A decision for what is no longer asked is refused, at the API and in the workflow.
    const stale = await decide(keys.approver3!, runId, { decision: 'approve', argsHash: askedHash });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ reason: 'args_changed', argsHash: editedHash, currentArgs: { message: 'to the team' } });
    await temporal.workflow.getHandle(runId).signal('approval', {
      approvalId: `${runId}:send`,
      decision: 'approve',
      argsHash: askedHash,
      actor: { type: 'api_key', id: 'direct-approver', role: 'approver' },
      tenantId: stack.tenantId,
    });
    const afterStale = await waitForEvents(stack, runId, (events) => typesOf(events).includes('approval.signal_rejected'));
    expect(dataOf(afterStale, 'approval.signal_rejected')[0].reason).toBe(`argsHash ${askedHash} is stale: the approval now asks about ${editedHash}`);

    // approver1 approves again, now the edited args: that completes the restarted quorum.
    expect((await decide(keys.approver1!, runId, { decision: 'approve', argsHash: editedHash })).status).toBe(202);
    const events = await waitForEnd(stack, runId);
    expect(dataOf(events, 'approval.submitted').map((submission) => submission.argsHash)).toEqual([askedHash, askedHash, editedHash]);
    expect(dataOf(events, 'approval.decided')[0]).toMatchObject({
      decision: 'approve',
      by: [expect.objectContaining({ name: 'approver2' }), expect.objectContaining({ name: 'approver1' })],
      editedArgs: { message: 'to the team' },
      originalArgs: { message: 'to everyone' },
      argsHash: editedHash,
      quorumRestarts: 1,
    });
    expect(dataOf(events, 'tool.call.started')[0].args).toEqual({ message: 'to the team' });
    expect(typesOf(events).at(-1)).toBe('run.completed');
    expect(await approvalOf(runId)).toMatchObject({ status: 'approved', argsHash: editedHash, approvals: 2 });
    await saveHistoryFixture('approval-quorum-restarted', runId);
  });

  it("refuses the run's creator approving their own run unless the gate allows it; they may still reject", async () => {
    // The admin key starts these runs (startRun) and is an approver by role.
    const own = await startRun(stack, gatedEcho(true));
    await awaitRequest(own);
    const refused = await stack.request('POST', `/v1/runs/${own}/approvals/${encodeURIComponent(`${own}:send`)}`, { decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'forbidden', details: { reason: 'self_approval', creatorIds: ['admin'] } });
    expect(refused.body.error.message).toContain('allowSelfApproval');
    expect(dataOf(await eventsOf(stack, own), 'approval.requested')[0]).toMatchObject({ allowSelfApproval: false, creatorIds: ['admin'] });
    // Straight to the workflow, the same key is refused there too.
    await temporal.workflow.getHandle(own).signal('approval', {
      approvalId: `${own}:send`,
      decision: 'approve',
      argsHash: argsHashOf({ message: 'hi' }),
      actor: { type: 'api_key', id: 'admin', role: 'admin' },
      tenantId: stack.tenantId,
    });
    const waiting = await waitForEvents(stack, own, (events) => typesOf(events).includes('approval.signal_rejected'));
    expect(dataOf(waiting, 'approval.signal_rejected')[0].reason).toBe('admin started this run and may not approve it (the gate does not allow self-approval)');
    expect(typesOf(waiting)).not.toContain('approval.decided');
    // Rejecting one's own run is no escalation (they could cancel it): allowed.
    expect((await stack.request('POST', `/v1/runs/${own}/approvals/${encodeURIComponent(`${own}:send`)}`, { decision: 'reject' })).status).toBe(202);
    expect(dataOf(await waitForEnd(stack, own), 'run.failed')[0].error.errorClass).toBe('ApprovalRejected');

    const allowed = await startRun(stack, gatedEcho({ allowSelfApproval: true }));
    await awaitRequest(allowed);
    expect((await stack.request('POST', `/v1/runs/${allowed}/approvals/${encodeURIComponent(`${allowed}:send`)}`, { decision: 'approve' })).status).toBe(202);
    expect(typesOf(await waitForEnd(stack, allowed)).at(-1)).toBe('run.completed');
  });

  it("counts a schedule's creator as the creator of the runs it starts", async () => {
    const scheduleId = `gated-${Date.now()}`;
    expect((await call(keys.approver1!, 'POST', '/v1/schedules', { id: scheduleId, every: '1h', spec: gatedEcho(true) })).status).toBe(201);
    try {
      expect((await call(keys.approver1!, 'POST', `/v1/schedules/${scheduleId}/trigger`)).status).toBeLessThan(300);
      let runId: string | undefined;
      for (let i = 0; i < 300 && !runId; i += 1) {
        runId = (await call(keys.approver1!, 'GET', `/v1/schedules/${scheduleId}`)).body.schedule?.recentRuns?.[0]?.runId;
        if (!runId) await sleep(200);
      }
      // recentRuns names the run before the tick has started it.
      for (let i = 0; i < 300 && (await stack.request('GET', `/v1/runs/${runId}`)).status !== 200; i += 1) await sleep(200);
      await awaitRequest(runId!);
      const own = await decide(keys.approver1!, runId!, { decision: 'approve' });
      expect(own.status).toBe(403);
      expect(own.body.error.details.reason).toBe('self_approval');
      expect(own.body.error.details.creatorIds).toEqual([`schedule:${scheduleId}`, expect.any(String)]);
      expect((await decide(keys.approver2!, runId!, { decision: 'approve' })).status).toBe(202);
      expect(typesOf(await waitForEnd(stack, runId!)).at(-1)).toBe('run.completed');
    } finally {
      await call(keys.approver1!, 'DELETE', `/v1/schedules/${scheduleId}`);
    }
  });

  it('refuses to gate a call whose args the log would redact, and an edit that brings in a secret', async () => {
    const secretArgs = { message: 'hi', headers: { Authorization: 'Bearer sk-live-approval' } };
    const runId = await startRun(stack, gatedEcho(true, secretArgs));
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events)).not.toContain('approval.requested');
    expect(typesOf(events)).not.toContain('tool.call.started');
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'ApprovalArgsRedacted',
      step: 'send',
      message: expect.stringContaining('(headers.Authorization)'),
    });

    const plain = await startRun(stack, gatedEcho(true));
    await awaitRequest(plain);
    const edit = await decide(keys.approver1!, plain, { decision: 'approve', args: { message: 'hi', apiKey: 'sk-live-edit' } });
    expect(edit.status).toBe(422);
    expect(edit.body.error.details).toEqual([{ path: 'args.apiKey', message: expect.stringContaining('[REDACTED]') }]);
    expect(dataOf(await eventsOf(stack, plain), 'approval.submitted')).toHaveLength(0);
    // Sent straight to the workflow, such an edit changes nothing either.
    await temporal.workflow.getHandle(plain).signal('approval', {
      approvalId: `${plain}:send`,
      decision: 'approve',
      argsHash: argsHashOf({ message: 'hi' }),
      args: { message: 'hi', apiKey: 'sk-live-edit' },
      actor: { type: 'api_key', id: 'direct-approver', role: 'approver' },
      tenantId: stack.tenantId,
    });
    const waiting = await waitForEvents(stack, plain, (all) => typesOf(all).includes('approval.signal_rejected'));
    expect(dataOf(waiting, 'approval.signal_rejected')[0].reason).toBe('the edited args hold values the event log redacts (apiKey)');
    expect((await decide(keys.approver1!, plain, { decision: 'approve' })).status).toBe(202);
    const done = await waitForEnd(stack, plain);
    expect(dataOf(done, 'tool.call.started')[0].args).toEqual({ message: 'hi' });
  });
});

describe('installation approval gates (FLIGHTDECK_APPROVAL_POLICY)', () => {
  const policy = { gates: [{ tools: ['builtin.echo'], modes: ['plan'], required: 2, timeout: '1h' }] };
  const stack = useTestStack({ env: { FLIGHTDECK_APPROVAL_POLICY: JSON.stringify(policy) } });
  const problemsOf = async (spec: unknown) => {
    const answer = await stack.request('POST', '/v1/runs', spec);
    expect(answer.status).toBe(422);
    return answer.body.error.details as Array<{ path: string; message: string }>;
  };

  it('gates a call the spec does not, and applies a tightened gate as the spec wrote it', async () => {
    const silent = await startRun(stack, { plan: { steps: [{ id: 'send', tool: 'builtin.echo', args: { message: 'hi' } }] } });
    const requested = dataOf(await waitForEvents(stack, silent, (events) => typesOf(events).includes('approval.requested')), 'approval.requested');
    expect(requested[0]).toMatchObject({ required: 2, timeout: '1h', approvers: ['approver'], onTimeout: 'reject' });
    const tighter = await startRun(stack, gatedEcho({ required: 3, approvers: ['admin'], timeout: '5m' }));
    const tightened = dataOf(await waitForEvents(stack, tighter, (events) => typesOf(events).includes('approval.requested')), 'approval.requested');
    expect(tightened[0]).toMatchObject({ required: 3, timeout: '5m', approvers: ['admin'] });
    for (const runId of [silent, tighter]) await stack.request('POST', `/v1/runs/${runId}/cancel`, {});
  });

  it('refuses (422) a spec that would remove or loosen it, naming each problem', async () => {
    expect(await problemsOf(gatedEcho(false))).toEqual([{ path: 'plan.steps.0.approval', message: expect.stringContaining('cannot turn its approval off') }]);
    const loose = await problemsOf(gatedEcho({ required: 1, timeout: '2h', onTimeout: 'approve', allowSelfApproval: true }));
    expect(loose.map((problem) => problem.message)).toEqual([
      expect.stringContaining('required 1 is looser than'),
      expect.stringContaining('timeout "2h" is looser than'),
      expect.stringContaining('onTimeout "approve" is looser than'),
      expect.stringContaining('allowSelfApproval true is looser than'),
    ]);
    expect(loose.every((problem) => problem.path === 'plan.steps.0.approval')).toBe(true);
    // A schedule is checked the same way when it is created, not at its first tick.
    const schedule = await stack.request('POST', '/v1/schedules', { every: '1h', paused: true, spec: gatedEcho(false) });
    expect(schedule.status).toBe(422);
  });
});

describe('the default installation gates', () => {
  const stack = useTestStack();

  it("refuses an agent spec that would let builtin.http_request's gate approve on timeout or its creator approve", async () => {
    const agent = (approval: unknown) => ({
      agent: { model: 'm', instructions: 'fetch', tools: ['builtin.http_request'], approvalRequired: ['builtin.http_request'], approval },
    });
    for (const approval of [{ onTimeout: 'approve' }, { allowSelfApproval: true }]) {
      const answer = await stack.request('POST', '/v1/runs', agent(approval));
      expect(answer.status).toBe(422);
      expect(answer.body.error.details).toEqual([{ path: 'agent.approval', message: expect.stringMatching(/^builtin\.http_request: .* is looser than/) }]);
    }
  });
});
