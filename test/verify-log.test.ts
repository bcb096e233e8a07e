/**
 * Hash-chain verification over a real database: a log written through `appendEvents` verifies;
 * after a superuser edits one stored event behind the trigger's back, the route and the
 * `verify-log` script (a child process) both name exactly that seq. The suite runs keyed
 * (FLIGHTDECK_LOG_KEYS from test/global-setup.ts); test/verify-log-keys.test.ts covers the keys
 * and the signed heads.
 */
import { migrateLatest } from '../lib/db';
import { verifyRunLog } from '../lib/verify-chain';
import { createScratchDatabase } from './databases';
import { behindTheTrigger, seedRun } from './log-tampering';
import { linesStartingWith, runScript } from './run-script';
import { useTestStack } from './stack';

describe('hash-chain verification', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let tenantId: string; // the tenant the stack's admin key acts for
  const verifyLog = (...args: string[]) => runScript('verify-log', args, { DATABASE_URL: scratch.url });

  beforeAll(async () => {
    scratch = await createScratchDatabase('verify_log');
    await migrateLatest(scratch.db);
    // Only the API, over the scratch database: verification needs no worker.
  });
  const stack = useTestStack(() => ({ worker: 'none', env: { DATABASE_URL: scratch.url } }));
  beforeAll(async () => {
    tenantId = stack.tenantId;
    await seedRun(scratch.db, { tenantId, runId: 'run_tampered' });
    await seedRun(scratch.db, { tenantId, runId: 'run_truncated' });
    await seedRun(scratch.db, { tenantId, runId: 'run_intact' });
    await seedRun(scratch.db, { tenantId: 'other-tenant', runId: 'run_elsewhere' });
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('verifies an intact log through the function, the route and the script', async () => {
    const verification = await verifyRunLog(scratch.db, { tenantId, runId: 'run_tampered' });
    expect(verification).toMatchObject({ ok: true, chain: { ok: true, events: 6 }, head: { ok: true, log: { lastSeq: 6 } } });
    // Pages of 4 walk the same chain as one page.
    expect(await verifyRunLog(scratch.db, { tenantId, runId: 'run_tampered' }, { pageSize: 4 })).toEqual(verification);

    const response = await stack.request('GET', '/v1/runs/run_tampered/verify');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(verification)));

    const script = await verifyLog();
    expect(script.stderr).toBe('');
    expect(script.code).toBe(0);
    expect(script.stdout.trim()).toBe('verified 4 runs (24 events): 4 intact, 0 broken');
  });

  it("answers 404 for an unknown run and for another tenant's run, 400 for a bad id", async () => {
    for (const id of ['run_unknown', 'run_elsewhere']) {
      const response = await stack.request('GET', `/v1/runs/${id}/verify`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    }
    const tooLong = await stack.request('GET', `/v1/runs/${'x'.repeat(101)}/verify`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('validation_failed');
  });

  it('names exactly the seq whose data was edited behind the trigger', async () => {
    await behindTheTrigger(scratch.db, (trx) =>
      trx('run_events')
        .where({ run_id: 'run_tampered', seq: 5 })
        .update({ data: JSON.stringify({ stepId: 'a', attempt: 1, output: { n: 2 } }) }),
    );
    // The trigger is back on: the log is append-only again.
    await expect(scratch.db('run_events').where({ run_id: 'run_tampered', seq: 5 }).update({ type: 'run.failed' })).rejects.toThrow(/append-only/);

    const response = await stack.request('GET', '/v1/runs/run_tampered/verify');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      ok: false,
      chain: { ok: false, events: 6, firstBroken: { seq: 5, reason: 'hash_mismatch', expected: expect.any(String), actual: expect.any(String) } },
      head: { ok: true },
    });

    const script = await verifyLog();
    expect(script.code).toBe(1);
    expect(linesStartingWith(script, 'BROKEN')).toEqual([
      expect.stringMatching(new RegExp(`^BROKEN run_tampered tenant=${tenantId} seq=5 reason=hash_mismatch expected=[0-9a-f]{64} actual=[0-9a-f]{64}$`)),
    ]);
    expect(script.stdout).toContain('verified 4 runs (24 events): 3 intact, 1 broken');

    const others = await verifyLog('--run', 'run_intact', '--run', 'run_truncated');
    expect(others.code).toBe(0);
    expect(others.stdout).toContain('verified 2 runs (12 events): 2 intact, 0 broken');
    const otherTenant = await verifyLog('--tenant', 'other-tenant');
    expect(otherTenant.stdout).toContain('verified 1 runs (6 events): 1 intact, 0 broken');
  });

  it('notices a log cut short at its end through the head the runs row records', async () => {
    await behindTheTrigger(scratch.db, (trx) => trx('run_events').where({ run_id: 'run_truncated', seq: 6 }).delete());

    const response = await stack.request('GET', '/v1/runs/run_truncated/verify');
    expect(response.body).toMatchObject({
      ok: false,
      chain: { ok: true, events: 5 },
      head: { ok: false, log: { lastSeq: 5 }, projection: { lastSeq: 6 } },
    });

    const script = await verifyLog('--run', 'run_truncated');
    expect(script.code).toBe(1);
    expect(linesStartingWith(script, 'BROKEN')).toEqual([
      expect.stringMatching(new RegExp(`^BROKEN run_truncated tenant=${tenantId} reason=head_mismatch runs\\.last_seq=6 .* log\\.last_seq=5 `)),
    ]);
  });

  it('exits 2 with the usage on an unknown flag', async () => {
    const script = await verifyLog('--fix');
    expect(script.code).toBe(2);
    expect(script.stderr).toContain('usage: npm run verify-log');
  });
});
