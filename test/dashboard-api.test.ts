import { FlightdeckApiError } from '../lib/api-client';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { sleep } from './wait';

const echoPlan = (name: string, tags: string[]) => ({ name, tags, plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: name } }] } });

describe('the routes the dashboard adds: GET /v1/me and GET /v1/runs/counts', () => {
  const stack = useTestStack();

  it('says who a key is', async () => {
    expect(await stack.client.me()).toMatchObject({ tenantId: stack.tenantId, role: 'admin', superAdmin: true });
    const { key } = (await stack.request('POST', '/v1/admin/keys', { name: 'watcher', role: 'viewer' })).body;
    const response = await fetch(`${stack.apiUrl}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(await response.json()).toMatchObject({ tenantId: stack.tenantId, role: 'viewer', superAdmin: false, actor: { type: 'api_key', name: 'watcher' } });
    expect((await fetch(`${stack.apiUrl}/v1/me`)).status).toBe(401);
  });

  it('counts runs by status under the list filters', async () => {
    const failing = {
      name: 'counts-broken',
      tags: ['counts'],
      plan: { steps: [{ id: 'boom', tool: 'builtin.http_request', args: { url: 'http://127.0.0.1:9/' }, retry: { maxAttempts: 1 } }] },
    };
    const ids = [
      await startRun(stack, echoPlan('counts-a', ['counts'])),
      await startRun(stack, echoPlan('counts-b', ['counts', 'other'])),
      await startRun(stack, failing),
    ];
    for (const id of ids) await waitForEnd(stack, id);
    await startRun(stack, echoPlan('elsewhere', ['unrelated']));

    expect(await stack.client.countRuns({ tag: 'counts' })).toEqual({ counts: { completed: 2, failed: 1 }, total: 3 });
    expect(await stack.client.countRuns({ tag: ['counts', 'other'] })).toEqual({ counts: { completed: 1 }, total: 1 });
    expect(await stack.client.countRuns({ q: 'BROKEN' })).toEqual({ counts: { failed: 1 }, total: 1 });
    expect((await stack.client.countRuns({ tag: 'nothing-has-this' })).total).toBe(0);
  });

  it('watchApprovals follows the inbox: a gated step shows up pending, then decided', async () => {
    const seen: Array<{ id: string; status: string }> = [];
    const stop = new AbortController();
    const live = new Promise<void>((resolve) => {
      void stack.client.watchApprovals((approval) => void seen.push({ id: approval.id, status: approval.status }), {
        signal: stop.signal,
        onStatus: (status) => status === 'live' && resolve(),
      });
    });
    await live;
    // The admin key both starts and approves it: the gate allows self-approval.
    const runId = await startRun(stack, {
      plan: { steps: [{ id: 'send', tool: 'builtin.echo', args: { message: 'hi' }, approval: { allowSelfApproval: true } }] },
    });
    const approvalId = `${runId}:send`;
    for (let i = 0; i < 100 && !seen.some((entry) => entry.id === approvalId); i += 1) await sleep(100);
    expect(seen).toContainEqual({ id: approvalId, status: 'pending' });
    await stack.client.decideApproval(runId, approvalId, { decision: 'approve' });
    for (let i = 0; i < 100 && !seen.some((entry) => entry.id === approvalId && entry.status === 'approved'); i += 1) await sleep(100);
    expect(seen).toContainEqual({ id: approvalId, status: 'approved' });
    stop.abort();
    expect((await stack.waitForRun(runId)).status).toBe('completed');
  });

  it('refuses a bad filter with 400 naming the parameter, and a status filter (counts are per status)', async () => {
    for (const query of ['tool=not%20a%20tool', 'status=running', 'limit=5']) {
      const { status, body } = await stack.request('GET', `/v1/runs/counts?${query}`);
      expect(status).toBe(400);
      expect(body.error.code).toBe('validation_failed');
    }
    await expect(stack.client.countRuns({ tool: '???' })).rejects.toBeInstanceOf(FlightdeckApiError);
  });
});
