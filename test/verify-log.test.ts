/**
 * Hash-chain verification over a real database: a log written through `appendEvents` verifies;
 * after a superuser edits one stored event behind the trigger's back, the route and the
 * `verify-log` script (a child process) both name exactly that seq.
 */
import type { Knex } from 'knex';
import { migrateLatest } from '../lib/db';
import { appendEvents } from '../lib/event-log';
import { specHash } from '../lib/ids';
import { verifyRunLog } from '../lib/verify-chain';
import { createScratchDatabase } from './databases';
import { attemptData } from './event-facts';
import { linesStartingWith, runScript } from './run-script';
import { useTestStack } from './stack';

const spec = { tags: [], plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: { n: 1 } }] } };

/** A completed one-step run: 6 events, appended in three calls as the workflow and interceptor would. */
async function seedRun(db: Knex, target: { tenantId: string; runId: string }): Promise<void> {
  const key = (name: string) => `${target.runId}/${name}`;
  const created = { spec, specHash: specHash(spec), mode: 'plan' as const, name: null, tags: [], idempotencyKey: null };
  await appendEvents(db, target, [
    { type: 'run.created', dedupeKey: key('run.created'), data: created },
    { type: 'run.started', dedupeKey: key('run.started'), data: {} },
    { type: 'step.started', dedupeKey: key('step/a/started'), data: { stepId: 'a', tool: 'builtin.echo' } },
  ]);
  await appendEvents(db, target, [
    { type: 'tool.call.started', dedupeKey: key('a/1/started'), data: { ...attemptData('a', 1), args: { n: 1 } } },
    { type: 'tool.call.succeeded', dedupeKey: key('a/1/succeeded'), data: { ...attemptData('a', 1), durationMs: 1, output: { n: 1 } } },
  ]);
  await appendEvents(db, target, [{ type: 'run.completed', dedupeKey: key('run.completed'), data: { output: { a: { n: 1 } } } }]);
}

/** What an attacker with superuser rights can do: switch the append-only trigger off around an edit. */
async function behindTheTrigger(db: Knex, edit: (trx: Knex.Transaction) => Promise<unknown>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('ALTER TABLE run_events DISABLE TRIGGER run_events_no_update_delete');
    await edit(trx);
    await trx.raw('ALTER TABLE run_events ENABLE TRIGGER run_events_no_update_delete');
  });
}

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
