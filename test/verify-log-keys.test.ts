/**
 * The keyed hash chain and the signed heads, over a real database and the `verify-log` script
 * (a child process): rows are HMACs with FLIGHTDECK_LOG_KEYS, so a rewrite with recomputed sha256
 * hashes fails as `unkeyed` and one with a wrong key as a hash mismatch; old rows verify after a
 * rotation; heads exported before a tail cut or a rewrite name it, a purged run shows as purged,
 * and a heads file that was edited is refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { systemActor } from '../lib/admin-audit';
import { createDb, migrateLatest } from '../lib/db';
import { attachEventLog, createEventLogState } from '../lib/event-log';
import { formatKeyList } from '../lib/key-list';
import { headsDocumentSchema } from '../lib/log-heads';
import { purgeFinishedRuns } from '../lib/retention';
import { createScratchDatabase } from './databases';
import { behindTheTrigger, rewriteChain, seedRun } from './log-tampering';
import { linesStartingWith, runScript } from './run-script';

const old = { id: 'k1', key: randomBytes(32) };
const current = { id: 'k2', key: randomBytes(32) };
const tenantId = 'acme';

describe('verify-log with log keys (FLIGHTDECK_LOG_KEYS) and signed heads', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let beforeRotation: Knex; // a process holding only the old key
  let afterRotation: Knex; // one with the new key first, the old one kept
  let dir: string;
  let headsFile: string;
  const verifyLog = (args: string[], keys = [current, old]) =>
    runScript('verify-log', args, { DATABASE_URL: scratch.url, FLIGHTDECK_LOG_KEYS: formatKeyList(keys) });

  beforeAll(async () => {
    scratch = await createScratchDatabase('verify_log_keys');
    await migrateLatest(scratch.db);
    dir = await mkdtemp(path.join(os.tmpdir(), 'fd-heads-'));
    headsFile = path.join(dir, 'heads.json');
    beforeRotation = createDb(scratch.url);
    attachEventLog(beforeRotation, createEventLogState({ logKeys: [old] }));
    afterRotation = createDb(scratch.url);
    attachEventLog(afterRotation, createEventLogState({ logKeys: [current, old] }));

    await seedRun(beforeRotation, { tenantId, runId: 'run_old' });
    // Begun before the rotation, finished after it.
    await seedRun(afterRotation, { tenantId, runId: 'run_rotated' }, (call) => (call === 1 ? beforeRotation : afterRotation));
    for (const runId of ['run_forged', 'run_wrong_key', 'run_cut', 'run_gone']) await seedRun(afterRotation, { tenantId, runId });
    await seedRun(afterRotation, { tenantId: 'retained', runId: 'run_purged' });
  });
  afterAll(async () => {
    await beforeRotation?.destroy();
    await afterRotation?.destroy();
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keys each row with the writer’s first key, and verifies old rows with the old key after a rotation', async () => {
    const keyIds = async (runId: string) => scratch.db('run_events').where({ run_id: runId }).orderBy('seq').pluck('hash_key_id');
    expect(await keyIds('run_old')).toEqual(Array(6).fill('k1'));
    expect(await keyIds('run_rotated')).toEqual(['k1', 'k1', 'k1', 'k2', 'k2', 'k2']);

    const script = await verifyLog(['--tenant', tenantId]);
    expect(script.stderr).toBe('');
    expect(script.code).toBe(0);
    expect(script.stdout.trim()).toBe('verified 6 runs (36 events): 6 intact, 0 broken');

    // The old key dropped too early: its rows name a key the list no longer holds.
    const withoutOld = await verifyLog(['--run', 'run_old', '--run', 'run_rotated'], [current]);
    expect(withoutOld.code).toBe(1);
    expect(linesStartingWith(withoutOld, 'BROKEN')).toEqual([
      `BROKEN run_old tenant=${tenantId} seq=1 reason=unknown_key expected=k2 actual=k1`,
      `BROKEN run_rotated tenant=${tenantId} seq=1 reason=unknown_key expected=k2 actual=k1`,
    ]);
  });

  it('exports every selected run’s head into a document signed with the first key', async () => {
    const script = await verifyLog(['--export-heads', headsFile]);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain(`exported 7 heads to ${headsFile} (signed with log key k2)`);
    const document = headsDocumentSchema.parse(JSON.parse(await readFile(headsFile, 'utf8')));
    expect(document).toMatchObject({ format: 'flightdeck-log-heads/1', keyId: 'k2', signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const cut = await scratch.db('runs').where({ id: 'run_cut' }).first('last_hash');
    expect(document.heads).toContainEqual({ tenantId, runId: 'run_cut', lastSeq: 6, lastHash: cut.last_hash });
    expect(document.heads.map((head) => head.runId).sort()).toEqual(
      ['run_cut', 'run_forged', 'run_gone', 'run_old', 'run_purged', 'run_rotated', 'run_wrong_key'].sort(),
    );
  });

  it('fails a run rewritten with recomputed sha256 hashes as unkeyed; allowed legacy rows still meet the heads', async () => {
    // Everything a database user can do without the key: edit a row, chain the whole run again in sha256.
    await rewriteChain(scratch.db, 'run_forged', {
      key: null,
      edit: (row) => (row.seq === 5 ? { data: { ...row.data, output: { n: 2 } } } : {}),
    });
    const plain = await verifyLog(['--run', 'run_forged']);
    expect(plain.code).toBe(1);
    expect(linesStartingWith(plain, 'BROKEN')).toEqual([`BROKEN run_forged tenant=${tenantId} seq=1 reason=unkeyed expected=k2,k1 actual=null`]);
    expect(plain.stdout).toContain('note: 1 runs have legacy sha256 rows (reason=unkeyed)');

    // Accepting legacy history lets the forged chain through; the heads exported before it do not.
    expect((await verifyLog(['--run', 'run_forged', '--allow-unkeyed'])).code).toBe(0);
    const checked = await verifyLog(['--run', 'run_forged', '--allow-unkeyed', '--check-heads', headsFile]);
    expect(checked.code).toBe(1);
    expect(linesStartingWith(checked, 'REWRITTEN')).toEqual([
      expect.stringMatching(new RegExp(`^REWRITTEN run_forged tenant=${tenantId} seq=6 head\\.hash=[0-9a-f]{64} log\\.hash=[0-9a-f]{64}$`)),
    ]);
    expect(checked.stdout).toContain('checked 1 heads from');
  });

  it('finds rows rewritten with a key that is not the installation’s as a hash mismatch', async () => {
    const forger = { id: current.id, key: randomBytes(32) };
    await rewriteChain(scratch.db, 'run_wrong_key', {
      key: forger,
      fromSeq: 4,
      edit: (row) => (row.seq === 5 ? { data: { ...row.data, durationMs: 99 } } : {}),
    });
    const script = await verifyLog(['--run', 'run_wrong_key']);
    expect(script.code).toBe(1);
    expect(linesStartingWith(script, 'BROKEN')).toEqual([
      expect.stringMatching(new RegExp(`^BROKEN run_wrong_key tenant=${tenantId} seq=4 reason=hash_mismatch expected=[0-9a-f]{64} actual=[0-9a-f]{64}$`)),
    ]);
  });

  it('catches a run cut at its tail, its runs head moved along, only through the heads', async () => {
    await behindTheTrigger(scratch.db, async (trx) => {
      await trx('run_events').where({ run_id: 'run_cut', seq: 6 }).delete();
      const last = await trx('run_events').where({ run_id: 'run_cut', seq: 5 }).first('hash');
      await trx('runs').where({ id: 'run_cut' }).update({ last_seq: 5, last_hash: last.hash });
    });
    // The chain that is left links, and the projection agrees with it.
    expect((await verifyLog(['--run', 'run_cut'])).code).toBe(0);

    const checked = await verifyLog(['--run', 'run_cut', '--check-heads', headsFile]);
    expect(checked.code).toBe(1);
    expect(linesStartingWith(checked, 'TRUNCATED')).toEqual([`TRUNCATED run_cut tenant=${tenantId} head.last_seq=6 log.last_seq=5`]);
    expect(checked.stdout).toContain('1 truncated');
  });

  it('refuses a heads file that was edited, one signed with a key it does not hold, and one that is not a heads file', async () => {
    // The forger's fix-up of the cut above: the head moved back to seq 5.
    const document = JSON.parse(await readFile(headsFile, 'utf8')) as { heads: Array<{ runId: string; lastSeq: number; lastHash: string }> };
    const cutHead = document.heads.find((head) => head.runId === 'run_cut')!;
    cutHead.lastSeq = 5;
    cutHead.lastHash = (await scratch.db('runs').where({ id: 'run_cut' }).first('last_hash')).last_hash;
    const tampered = path.join(dir, 'tampered.json');
    await writeFile(tampered, JSON.stringify(document));

    const refused = await verifyLog(['--check-heads', tampered]);
    expect(refused.code).toBe(1);
    expect(refused.stdout.trim()).toBe(
      `REFUSED heads file ${tampered}: signature does not verify with log key "k2": the document was altered, or signed with another key of that id`,
    );

    const otherKeys = await verifyLog(['--check-heads', headsFile], [{ id: 'k3', key: randomBytes(32) }]);
    expect(otherKeys.code).toBe(1);
    expect(otherKeys.stdout.trim()).toBe(`REFUSED heads file ${headsFile}: signed with log key "k2", which FLIGHTDECK_LOG_KEYS does not hold`);

    const notHeads = path.join(dir, 'not-heads.json');
    await writeFile(notHeads, JSON.stringify({ ...document, format: 'something/1' }));
    expect((await verifyLog(['--check-heads', notHeads])).stdout).toMatch(/^REFUSED heads file .*: not a flightdeck-log-heads\/1 document \(format: /);
  });

  it('reports a run purged by retention as PURGED, and one deleted without a purge as MISSING', async () => {
    const purged = await purgeFinishedRuns(scratch.db, { before: new Date(Date.now() + 60_000), tenantId: 'retained', actor: systemActor('test') });
    expect(purged.map((run) => run.runId)).toEqual(['run_purged']);
    await behindTheTrigger(scratch.db, async (trx) => {
      await trx('run_events').where({ run_id: 'run_gone' }).delete();
      await trx('runs').where({ id: 'run_gone' }).delete();
    });

    const onlyPurged = await verifyLog(['--run', 'run_purged', '--check-heads', headsFile]);
    expect(onlyPurged.code).toBe(0);
    expect(linesStartingWith(onlyPurged, 'PURGED')).toEqual([
      expect.stringMatching(/^PURGED run_purged tenant=retained head\.last_seq=6 purged_at=\S+ \(admin_audit retention\.purged\)$/),
    ]);

    const all = await verifyLog(['--allow-unkeyed', '--check-heads', headsFile]);
    expect(all.code).toBe(1);
    expect(linesStartingWith(all, 'MISSING')).toEqual([`MISSING run_gone tenant=${tenantId} head.last_seq=6 (no run, and no purge recorded)`]);
    expect(all.stdout).toContain('checked 7 heads from');
    expect(all.stdout).toContain('2 intact, 1 purged, 1 missing, 1 truncated, 2 rewritten');
  });

  it('needs the keys to export or check heads', async () => {
    const script = await verifyLog(['--export-heads', path.join(dir, 'unsigned.json')], []);
    expect(script.code).toBe(2);
    expect(script.stderr).toContain('--export-heads and --check-heads need FLIGHTDECK_LOG_KEYS');
  });
});
