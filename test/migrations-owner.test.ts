/**
 * The migrations as a managed Postgres runs them: the migration user owns the database and has
 * CREATEROLE but is not a superuser. A cluster of its own, so the cluster-wide role
 * `flightdeck_maintenance` does not exist yet (the shared test cluster's superuser made it there).
 */
import type { Knex } from 'knex';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { systemActor } from '../lib/admin-audit';
import { createDb, migrateLatest } from '../lib/db';
import { describeRoleProblem, inspectRole, migrateAndGrant } from '../lib/db-roles';
import { appendEvents } from '../lib/event-log';
import { specHash } from '../lib/ids';
import { purgeFinishedRuns } from '../lib/retention';
import { freePort } from '../scripts/free-port';
import { startPostgresProcess, type PostgresProcess } from './embedded-postgres-process';

const spec = { tags: [], plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } };

async function seedFinishedRun(db: Knex, runId: string): Promise<void> {
  const created = { spec, specHash: specHash(spec), mode: 'plan' as const, name: null, tags: [], idempotencyKey: null };
  await appendEvents(db, { tenantId: 't1', runId }, [
    { type: 'run.created', dedupeKey: `${runId}/run.created`, data: created },
    { type: 'run.started', dedupeKey: `${runId}/run.started`, data: {} },
    { type: 'run.completed', dedupeKey: `${runId}/run.completed`, data: { output: {} } },
  ]);
}

const rightsQuery =
  "SELECT pg_has_role('fd_owner', 'flightdeck_maintenance', 'SET') AS can_set, pg_has_role('fd_owner', 'flightdeck_maintenance', 'USAGE') AS can_use";

describe('migrations run by a non-superuser owner (managed Postgres)', () => {
  let baseDir: string;
  let postgres: PostgresProcess | null = null;
  let superuser: Knex | null = null;
  let owner: Knex | null = null;

  beforeAll(async () => {
    baseDir = await mkdtemp(path.join(os.tmpdir(), 'fd-pg-owner-'));
    await chmod(baseDir, 0o755); // the postgres user must enter it when we are root
    postgres = await startPostgresProcess(path.join(baseDir, 'pg'), await freePort());
    superuser = createDb(postgres.urlFor('postgres'));
    await superuser.raw("CREATE ROLE fd_owner LOGIN PASSWORD 'owner-secret' CREATEROLE NOSUPERUSER");
    await superuser.raw('CREATE DATABASE fd_app OWNER fd_owner');
    owner = createDb(postgres.urlFor('fd_app').replace('postgres:flightdeck@', 'fd_owner:owner-secret@'));
  }, 120_000);
  afterAll(async () => {
    await owner?.destroy();
    await superuser?.destroy();
    await postgres?.stop();
    if (baseDir) await rm(baseDir, { recursive: true, force: true });
  });

  it('apply, hand the purge function to the maintenance role, and leave the owner unable to act as it', async () => {
    const db = owner!;
    expect((await db.raw('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows).toEqual([{ rolsuper: false }]);
    const applied = await migrateLatest(db);
    expect(applied).toContain('20261125050100_retention.ts');

    const functionOwner = await db.raw("SELECT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE proname = 'flightdeck_purge_runs'");
    expect(functionOwner.rows).toEqual([{ owner: 'flightdeck_maintenance' }]);
    // The membership it took to hand the function over is given back: no SET ROLE past the trigger.
    const rights = await db.raw(rightsQuery);
    expect(rights.rows).toEqual([{ can_set: false, can_use: false }]);
    await expect(db.raw('SET ROLE flightdeck_maintenance')).rejects.toThrow(/permission denied/);
    const schemaCreate = await db.raw("SELECT has_schema_privilege('flightdeck_maintenance', 'public', 'CREATE') AS can_create");
    expect(schemaCreate.rows).toEqual([{ can_create: false }]);

    await seedFinishedRun(db, 'run_owner_old');
    await expect(db('run_events').where({ run_id: 'run_owner_old' }).delete()).rejects.toThrow(/append-only/);
    const purged = await purgeFinishedRuns(db, { before: new Date(Date.now() + 60_000), actor: systemActor('test') });
    expect(purged).toEqual([{ runId: 'run_owner_old', tenantId: 't1', status: 'completed', events: 3 }]);
    expect(await db('admin_audit').where({ action: 'retention.purged' }).pluck('target')).toEqual(['run_owner_old']);

    // The application role: the owner's migrate grants it the purge, through the same brief membership.
    await superuser!.raw("CREATE ROLE fd_app_role LOGIN PASSWORD 'app-secret' NOSUPERUSER");
    const appUrl = postgres!.urlFor('fd_app').replace('postgres:flightdeck@', 'fd_app_role:app-secret@');
    const ownerUrl = postgres!.urlFor('fd_app').replace('postgres:flightdeck@', 'fd_owner:owner-secret@');
    expect(await migrateAndGrant({ migrationUrl: ownerUrl, appUrl })).toEqual({ applied: [], owner: 'fd_owner', appRole: 'fd_app_role' });
    expect((await db.raw(rightsQuery)).rows).toEqual([{ can_set: false, can_use: false }]);
    const app = createDb(appUrl);
    try {
      expect(describeRoleProblem(await inspectRole(app))).toBeNull();
      // The owner is no superuser but owns the tables (and the schema, as the database's owner).
      expect(describeRoleProblem(await inspectRole(db))).toMatch(/owns the tables .*run_events.* and owns their schema/);
      await seedFinishedRun(app, 'run_app_old');
      await expect(app('run_events').where({ run_id: 'run_app_old' }).delete()).rejects.toThrow(/permission denied/);
      await expect(app.raw('ALTER TABLE run_events DISABLE TRIGGER run_events_no_update_delete')).rejects.toThrow(/must be owner/);
      await expect(app.raw('DROP TABLE run_events')).rejects.toThrow(/must be owner/);
      await expect(app.raw('CREATE TABLE sneaky (id int)')).rejects.toThrow(/permission denied/);
      const byApp = await purgeFinishedRuns(app, { before: new Date(Date.now() + 60_000), actor: systemActor('test') });
      expect(byApp).toEqual([{ runId: 'run_app_old', tenantId: 't1', status: 'completed', events: 3 }]);
    } finally {
      await app.destroy();
    }

    await db.migrate.rollback(undefined, true);
    expect(await db.schema.hasTable('run_events')).toBe(false);
    expect(await migrateLatest(db)).toEqual(applied);
  });
});
