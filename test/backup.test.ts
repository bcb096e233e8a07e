import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrateLatest } from '../lib/db';
import { verifyRunLog } from '../lib/verify-chain';
import { createScratchDatabase } from './databases';
import { startRun, waitForEnd } from './run-helpers';
import { linesStartingWith, runScript } from './run-script';
import { useTestStack } from './stack';

describe('npm run backup / restore', () => {
  let dir: string;
  const stack = useTestStack();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-backup-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('backs up, restores into a fresh database, and every restored chain verifies', async () => {
    const runIds = [
      await startRun(stack, {
        name: 'backed-up',
        plan: {
          steps: [
            { id: 'a', tool: 'builtin.echo', args: { n: 1 } },
            { id: 'b', tool: 'builtin.flaky', args: { failures: 1, retryAfterMs: 10 } },
          ],
        },
      }),
      await startRun(stack, { name: 'backed-up-2', plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: { n: 2 } }] } }),
    ];
    for (const runId of runIds) await waitForEnd(stack, runId);
    await stack.client.createKey({ name: 'survives-restore', role: 'viewer' });

    const file = path.join(dir, 'flightdeck.jsonl.gz');
    const backup = await runScript('backup', [file], { DATABASE_URL: process.env.DATABASE_URL! });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backed up .*run_events=\d+/);

    // The "wiped" installation: a new, empty database brought to the same migration.
    const fresh = await createScratchDatabase('restore');
    try {
      await migrateLatest(fresh.db);
      const restore = await runScript('restore', [file], { DATABASE_URL: fresh.url });
      expect(restore.stderr).toBe('');
      expect(restore.code).toBe(0);

      for (const runId of runIds) {
        const original = await stack.db('run_events').where({ run_id: runId }).orderBy('seq').select('seq', 'type', 'hash');
        const restored = await fresh.db('run_events').where({ run_id: runId }).orderBy('seq').select('seq', 'type', 'hash');
        expect(restored).toEqual(original);
        expect(await verifyRunLog(fresh.db, { tenantId: stack.tenantId, runId })).toMatchObject({ ok: true });
      }
      expect((await fresh.db('api_keys').where({ tenant_id: stack.tenantId, name: 'survives-restore' })).length).toBe(1);

      // Every chain in the restored database verifies as it does in the source, not only ours (other
      // test files share the source database, and some break a chain on purpose to see it detected).
      const brokenRuns = async (url: string) => {
        const result = await runScript('verify-log', [], { DATABASE_URL: url });
        return linesStartingWith(result, 'BROKEN').map((line) => line.split(' ')[1]);
      };
      const [restoredBroken, sourceBroken] = [await brokenRuns(fresh.url), await brokenRuns(process.env.DATABASE_URL!)];
      expect(restoredBroken.filter((runId) => !sourceBroken.includes(runId))).toEqual([]);
      expect(restoredBroken.filter((runId) => runIds.includes(runId!))).toEqual([]);

      // Sequences continue after the restored ids: a new audit row gets a fresh id.
      const [maxRow] = (await fresh.db('admin_audit').max('id as max')) as Array<{ max: string | null }>;
      const max = maxRow?.max;
      const [inserted] = await fresh
        .db('admin_audit')
        .insert({ actor: JSON.stringify({ type: 'system', id: 'test' }), action: 'api_key.created' })
        .returning('id');
      expect(Number(inserted.id)).toBeGreaterThan(Number(max ?? 0));

      // A second restore into the now non-empty database is refused, changing nothing.
      const again = await runScript('restore', [file], { DATABASE_URL: fresh.url });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/is not empty/);
      expect(linesStartingWith(again, 'restored')).toEqual([]);
    } finally {
      await fresh.drop();
    }
  }, 240_000); // four script processes (tsx start-up on a shared 2-core machine)

  it('needs a file argument (exit 2)', async () => {
    expect((await runScript('backup', [], { DATABASE_URL: process.env.DATABASE_URL! })).code).toBe(2);
  });
});
