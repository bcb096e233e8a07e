import type { Knex } from 'knex';
import { migrateLatest } from '../lib/db';
import { appendEvents } from '../lib/event-log';
import { specHash } from '../lib/ids';
import { createScratchDatabase } from './databases';

const spec = { tags: [], plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } };

async function seedOneRun(db: Knex): Promise<void> {
  await appendEvents(db, { tenantId: 't1', runId: 'run_m1' }, [
    {
      type: 'run.created',
      dedupeKey: 'run_m1/run.created',
      data: { spec, specHash: specHash(spec), mode: 'plan', name: null, tags: [], idempotencyKey: null },
    },
    { type: 'run.started', dedupeKey: 'run_m1/run.started', data: {} },
  ]);
}

describe('migrations', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase('migrations');
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('go up, refuse to change the event log, go down, and come up again', async () => {
    const { db } = scratch;
    const applied = await migrateLatest(db);
    expect(applied[0]).toBe('20261125000000_event_log.ts');
    expect(applied).toEqual([...applied].sort());
    await seedOneRun(db);

    await expect(db('run_events').where({ run_id: 'run_m1' }).update({ type: 'run.completed' })).rejects.toThrow(/append-only: UPDATE/);
    await expect(db('run_events').where({ run_id: 'run_m1' }).delete()).rejects.toThrow(/append-only: DELETE/);
    await expect(db.raw('truncate run_events cascade')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await db('run_events').where({ run_id: 'run_m1' }).pluck('seq')).toEqual([1, 2]);

    await db.migrate.rollback(undefined, true);
    expect(await db.schema.hasTable('run_events')).toBe(false);
    expect(await db.schema.hasTable('runs')).toBe(false);
    expect(await db.schema.hasTable('api_keys')).toBe(false);

    expect(await migrateLatest(db)).toEqual(applied);
    expect(await migrateLatest(db)).toEqual([]);
    expect(await db('run_events').count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }]);
  });
});
