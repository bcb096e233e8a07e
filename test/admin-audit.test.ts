import { recordAdminActionOncePerTick } from '../lib/admin-audit';
import { scheduleActor } from '../lib/schedule-contract';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';

const longPlan = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };

describe('admin audit trail', () => {
  const stack = useTestStack();

  it('records key creation and revocation, and a run terminated, with actor, source IP, target and details', async () => {
    const created = await stack.client.createKey({ name: 'audit-ci', role: 'operator' });
    await stack.client.revokeKey(created.apiKey.id);
    const runId = await startRun(stack, longPlan);
    const terminated = await stack.request('POST', `/v1/runs/${runId}/terminate`, { reason: 'audit test' });
    expect(terminated.status).toBe(202);
    await waitForEnd(stack, runId);

    const { entries } = await stack.client.listAdminAudit();
    const mine = entries.filter((entry) => entry.tenantId === stack.tenantId);
    expect(mine.map((entry) => [entry.action, entry.target])).toEqual([
      ['run.terminated', runId],
      ['api_key.revoked', created.apiKey.id],
      ['api_key.created', created.apiKey.id],
    ]);
    for (const entry of mine) {
      expect(entry.actor).toMatchObject({ type: 'api_key', id: 'admin', role: 'admin' });
      expect(entry.ip).toMatch(/127\.0\.0\.1/);
    }
    expect(mine[2]!.details).toEqual({ name: 'audit-ci', role: 'operator' });
    expect(mine[0]!.details).toEqual({ reason: 'audit test' });

    const onlyKeys = await stack.client.listAdminAudit({ action: ['api_key.created'], limit: 1 });
    expect(onlyKeys.entries.map((entry) => entry.action)).toEqual(['api_key.created']);
  });

  it('records a refused tick once per tick execution, however often its activity is retried (test/schedules.test.ts: the real tick)', async () => {
    const entry = (tickExecution: string) => ({
      tenantId: stack.tenantId,
      actor: scheduleActor('retried'),
      action: 'schedule.tick_refused' as const,
      target: 'retried',
      details: { tick: 'fds:t:retried-2026-01-01T00:00:00Z', tickExecution, reason: 'key_revoked', keyId: 'key_x' },
    });
    // Two attempts of one execution at once, then one more, then a second execution of the same workflow id.
    await Promise.all([recordAdminActionOncePerTick(stack.db, entry('exec-1')), recordAdminActionOncePerTick(stack.db, entry('exec-1'))]);
    await recordAdminActionOncePerTick(stack.db, entry('exec-1'));
    await recordAdminActionOncePerTick(stack.db, entry('exec-2'));
    const { entries } = await stack.client.listAdminAudit({ action: ['schedule.tick_refused'] });
    expect(entries.filter((row) => row.target === 'retried').map((row) => row.details.tickExecution)).toEqual(['exec-2', 'exec-1']);
  });

  it('pages newest first with beforeId', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await stack.client.createKey({ name, role: 'viewer' });
    const first = await stack.client.listAdminAudit({ action: ['api_key.created'], limit: 2 });
    expect(first.entries.map((entry) => entry.details.name)).toEqual(['page-c', 'page-b']);
    const second = await stack.client.listAdminAudit({ action: ['api_key.created'], limit: 2, beforeId: first.nextBeforeId! });
    expect(second.entries.map((entry) => entry.details.name)).toEqual(['page-a', 'audit-ci']);
  });

  it('is for admins only and validates its query', async () => {
    const operator = await stack.client.createKey({ name: 'audit-operator', role: 'operator' });
    const asOperator = await fetch(`${stack.apiUrl}/v1/admin/audit`, { headers: { authorization: `Bearer ${operator.key}` } });
    expect(asOperator.status).toBe(403);
    for (const query of ['limit=0', 'beforeId=abc', 'action=run.deleted', 'bogus=1']) {
      const response = await stack.request('GET', `/v1/admin/audit?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
  });

  it('is append-only in the database: UPDATE, DELETE and TRUNCATE are rejected', async () => {
    const [row] = await stack.db('admin_audit').where({ tenant_id: stack.tenantId }).select('id').limit(1);
    await expect(stack.db('admin_audit').where({ id: row.id }).update({ action: 'api_key.created' })).rejects.toThrow(/append-only/);
    await expect(stack.db('admin_audit').where({ id: row.id }).delete()).rejects.toThrow(/append-only/);
    await expect(stack.db.raw('TRUNCATE admin_audit')).rejects.toThrow(/append-only/);
  });
});
