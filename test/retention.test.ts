import { systemActor } from '../lib/admin-audit';
import { createDb } from '../lib/db';
import { purgeFinishedRuns } from '../lib/retention';
import { verifyRunLog } from '../lib/verify-chain';
import { startRun, waitForEnd } from './run-helpers';
import { ownerDb } from './databases';
import { linesStartingWith, runScript } from './run-script';
import { useTestStack } from './stack';

const echo = { plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'old' } }] } };
const napping = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };

describe('retention: whole finished runs leave through one audited path', () => {
  const stack = useTestStack();

  it('purges finished runs older than the cutoff, keeps the rest with intact chains, audits each purge', async () => {
    const finished = [await startRun(stack, echo), await startRun(stack, echo)];
    for (const runId of finished) await waitForEnd(stack, runId);
    const live = await startRun(stack, napping);

    const result = await runScript('retention', ['--days', '0', '--tenant', stack.tenantId], { DATABASE_URL: process.env.DATABASE_URL! });
    expect(result.code).toBe(0);
    expect(
      linesStartingWith(result, 'PURGED')
        .map((line) => line.split(' ')[1])
        .sort(),
    ).toEqual([...finished].sort());

    for (const runId of finished) {
      expect((await stack.request('GET', `/v1/runs/${runId}`)).status).toBe(404);
      expect(await stack.db('run_events').where({ run_id: runId }).count<Array<{ count: string }>>('* as count')).toEqual([{ count: '0' }]);
    }
    // The live run was not finished: it stays, its chain whole, and it can still end.
    await stack.request('POST', `/v1/runs/${live}/terminate`, {});
    await waitForEnd(stack, live);
    expect((await verifyRunLog(stack.db, { tenantId: stack.tenantId, runId: live }))?.ok).toBe(true);

    const audit = await stack.client.listAdminAudit({ action: ['retention.purged'] });
    const purgedHere = audit.entries.filter((entry) => entry.tenantId === stack.tenantId);
    expect(purgedHere.map((entry) => entry.target).sort()).toEqual([...finished].sort());
    expect(purgedHere[0]).toMatchObject({ actor: { type: 'system', id: 'retention' }, details: { status: 'completed' } });
    expect(purgedHere[0]!.details.events).toBeGreaterThan(3);
  });

  it('halves a batch the statement timeout cancels and purges every run, nothing half-removed', async () => {
    const runIds = await Promise.all(Array.from({ length: 8 }, () => startRun(stack, echo)));
    for (const runId of runIds) await waitForEnd(stack, runId);
    // A slow database for this tenant only: each audited purge takes 200 ms: a batch of 8 takes 1.6 s, of 2 0.4 s.
    const owner = ownerDb();
    const slowness = `slow_purge_${stack.tenantId.replace(/[^a-z0-9]/gi, '_')}`;
    await owner.raw(
      `CREATE FUNCTION ${slowness}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.tenant_id = '${stack.tenantId}' THEN PERFORM pg_sleep(0.2); END IF; RETURN NEW; END $$`,
    );
    await owner.raw(`CREATE TRIGGER ${slowness} BEFORE INSERT ON admin_audit FOR EACH ROW EXECUTE FUNCTION ${slowness}()`);
    const impatient = createDb(process.env.DATABASE_URL!, { statementTimeoutMs: 500 });
    try {
      const sizes: number[] = [];
      const purged = await purgeFinishedRuns(impatient, {
        before: new Date(),
        tenantId: stack.tenantId,
        actor: systemActor('test'),
        batchSize: 8,
        onShrink: (size) => sizes.push(size),
      });
      // Halved at least once (8 → 4); a loaded machine may take it further down.
      expect(sizes).toEqual([4, 2, 1].slice(0, sizes.length));
      expect(sizes.length).toBeGreaterThan(0);
      // The tenant's earlier runs that have ended since are purged too.
      expect(purged.map((run) => run.runId)).toEqual(expect.arrayContaining(runIds));
      for (const runId of runIds)
        expect(await stack.db('run_events').where({ run_id: runId }).count<Array<{ count: string }>>('* as count')).toEqual([{ count: '0' }]);
      const audited = await stack
        .db('admin_audit')
        .where({ tenant_id: stack.tenantId, action: 'retention.purged' })
        .whereIn('target', runIds)
        .count<Array<{ count: string }>>('* as count');
      expect(audited).toEqual([{ count: '8' }]);
    } finally {
      await owner.raw(`DROP TRIGGER ${slowness} ON admin_audit`);
      await owner.raw(`DROP FUNCTION ${slowness}()`);
      await owner.destroy();
      await impatient.destroy();
    }
  });

  it('respects the cutoff: a run that ended after it stays', async () => {
    const runId = await startRun(stack, echo);
    await waitForEnd(stack, runId);
    const [row] = await stack.db('runs').where({ id: runId }).select('completed_at');
    const purged = await purgeFinishedRuns(stack.db, { before: row.completed_at, tenantId: stack.tenantId, actor: systemActor('test') });
    expect(purged.map((run) => run.runId)).not.toContain(runId);
    expect((await verifyRunLog(stack.db, { tenantId: stack.tenantId, runId }))?.ok).toBe(true);
  });

  it('leaves the append-only trigger whole for the application role and the owner, even with the purge setting forged', async () => {
    const runId = await startRun(stack, echo);
    await waitForEnd(stack, runId);
    const owner = ownerDb();
    try {
      // The app role may not even try (no DELETE or UPDATE privilege); the owner meets the trigger.
      for (const [db, refusal] of [
        [stack.db, /permission denied for table run_events/],
        [owner, /append-only/],
      ] as const) {
        await expect(db('run_events').where({ run_id: runId }).delete()).rejects.toThrow(refusal);
        await expect(
          db.transaction(async (trx) => {
            await trx.raw("SELECT set_config('flightdeck.purging_run', ?, true)", [runId]);
            await trx('run_events').where({ run_id: runId }).delete();
          }),
        ).rejects.toThrow(refusal);
        await expect(db('run_events').where({ run_id: runId }).update({ type: 'run.failed' })).rejects.toThrow(refusal);
      }
    } finally {
      await owner.destroy();
    }
    expect((await verifyRunLog(stack.db, { tenantId: stack.tenantId, runId }))?.ok).toBe(true);
  });

  it('says what is wrong with its command line (exit 2)', async () => {
    const noDays = await runScript('retention', [], { DATABASE_URL: process.env.DATABASE_URL!, FLIGHTDECK_RETENTION_DAYS: '' });
    expect(noDays.code).toBe(2);
    expect(noDays.stderr).toContain('FLIGHTDECK_RETENTION_DAYS');
    expect((await runScript('retention', ['--days', '-1'], { DATABASE_URL: process.env.DATABASE_URL! })).code).toBe(2);
    const dry = await runScript('retention', ['--days', '0', '--tenant', stack.tenantId, '--dry-run'], { DATABASE_URL: process.env.DATABASE_URL! });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would purge \d+ finished runs/);
  });
});
