import { systemActor } from '../lib/admin-audit';
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
