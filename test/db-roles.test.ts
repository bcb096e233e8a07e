/**
 * The two database roles (lib/db-roles.ts): migrations run as the owner and grant the application
 * role exactly what the app does, so the role the API and worker connect as cannot touch the
 * append-only log beyond appending, nor the triggers that keep it so. Real Postgres throughout.
 */
import type { Knex } from 'knex';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { systemActor, recordAdminAction } from '../lib/admin-audit';
import { createDb } from '../lib/db';
import { appTablePrivileges, describeRoleProblem, grantAppRole, guardAppRole, inspectRole, migrateAndGrant } from '../lib/db-roles';
import { parseKeyList } from '../lib/key-list';
import { rebuildRunProjection } from '../lib/rebuild-projection';
import { purgeFinishedRuns } from '../lib/retention';
import { verifyRunLog } from '../lib/verify-chain';
import { createApiKey } from '../domains/keys/create-api-key';
import { revokeApiKey } from '../domains/keys/revoke-api-key';
import { freePort } from '../scripts/free-port';
import { startApiProcess } from './api-process';
import { createScratchDatabase } from './databases';
import { seedCompletedRuns } from './seed-runs';

const silent = { warn: () => undefined, error: () => undefined };
const allPrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;

/** A cluster-wide login role of this test's own, dropped (with its grants) at the end. */
async function createLoginRole(admin: Knex, name: string): Promise<void> {
  await admin.raw(`DROP ROLE IF EXISTS ${name}`);
  await admin.raw(`CREATE ROLE ${name} LOGIN PASSWORD 'app-secret' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
}

const asRole = (url: string, role: string) => {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = 'app-secret';
  return parsed.toString();
};

function runEntry(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', entry)], { env, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

describe('the application role (DATABASE_URL) and the owner (DATABASE_MIGRATION_URL)', () => {
  const appRole = `fd_app_role_${process.pid}`;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let app: Knex;
  let appUrl: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase('db_roles');
    await createLoginRole(scratch.db, appRole);
    appUrl = asRole(scratch.url, appRole);
    const result = await migrateAndGrant({ migrationUrl: scratch.url, appUrl, log: silent });
    expect(result.appRole).toBe(appRole);
    app = createDb(appUrl, { log: silent });
  });
  afterAll(async () => {
    await app?.destroy();
    await scratch?.db.raw(`DROP OWNED BY ${appRole}`);
    await scratch?.drop();
    const admin = createDb(process.env.FLIGHTDECK_TEST_ADMIN_DB_URL!, { log: silent });
    await admin.raw(`DROP ROLE IF EXISTS ${appRole}`);
    await admin.destroy();
  });

  it('holds exactly the privileges the map names on every table: never TRUNCATE, REFERENCES or TRIGGER', async () => {
    const { rows } = (await scratch.db.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")) as { rows: Array<{ tablename: string }> };
    const held: Record<string, string[]> = {};
    for (const { tablename } of rows) {
      held[tablename] = [];
      for (const privilege of allPrivileges) {
        const { rows: check } = (await scratch.db.raw('SELECT has_table_privilege(?, ?, ?) AS has', [appRole, tablename, privilege])) as {
          rows: Array<{ has: boolean }>;
        };
        if (check[0]!.has) held[tablename].push(privilege);
      }
    }
    expect(held).toEqual(Object.fromEntries(Object.entries(appTablePrivileges).map(([table, privileges]) => [table, [...privileges]])));
    expect(held.run_events).toEqual(['SELECT', 'INSERT']);
    expect(held.admin_audit).toEqual(['SELECT', 'INSERT']);
    const { rows: schema } = (await scratch.db.raw("SELECT has_schema_privilege(?, 'public', 'CREATE') AS can_create", [appRole])) as {
      rows: Array<{ can_create: boolean }>;
    };
    expect(schema).toEqual([{ can_create: false }]);
  });

  it('does what the app does: appends, projects, rebuilds, verifies, keys, audit, purge', async () => {
    const [runId] = await seedCompletedRuns(app, 't_roles', 1);
    // Appended keyed, with the suite's log key (test/global-setup.ts).
    expect(new Set(await app('run_events').where({ run_id: runId }).pluck('hash_key_id'))).toEqual(
      new Set([parseKeyList(process.env.FLIGHTDECK_LOG_KEYS ?? '')[0]?.id]),
    );
    expect((await verifyRunLog(app, { tenantId: 't_roles', runId: runId! }))?.ok).toBe(true);
    expect((await rebuildRunProjection(app, runId!, { mode: 'write' })).differences).toEqual([]);
    const { apiKey } = await createApiKey(app, { tenantId: 't_roles', name: 'roles', role: 'admin', createdBy: systemActor('test') });
    await revokeApiKey(app, 't_roles', apiKey.id);
    await recordAdminAction(app, { tenantId: 't_roles', actor: systemActor('test'), action: 'api_key.revoked', target: apiKey.id, details: {} });
    await app.raw(
      "INSERT INTO rate_limit_buckets (bucket, tokens, granted, updated_at) VALUES ('b', 1, 1, now()) ON CONFLICT (bucket) DO UPDATE SET tokens = 2",
    );
    await app.raw("INSERT INTO composio_limit_keys (key, tokens, refilled_at) VALUES ('k', 1, now())");
    await app.raw("INSERT INTO composio_limit_leases (id, key, expires_at) VALUES ('l', 'k', now())");
    await app.raw("DELETE FROM composio_limit_leases WHERE id = 'l'");
    await app.raw('SELECT name FROM knex_migrations');
    const purged = await purgeFinishedRuns(app, { before: new Date(Date.now() + 60_000), tenantId: 't_roles', actor: systemActor('test') });
    expect(purged.map((run) => run.runId)).toEqual([runId]);
  });

  it('cannot change the log or get past its triggers: no UPDATE, DELETE, TRUNCATE, DDL, trigger changes or SET ROLE', async () => {
    const [runId] = await seedCompletedRuns(app, 't_roles_denied', 1);
    const denied = /permission denied|must be owner/;
    await expect(app('run_events').where({ run_id: runId }).update({ type: 'run.failed' })).rejects.toThrow(denied);
    await expect(app('run_events').where({ run_id: runId }).update({ hash_key_id: null })).rejects.toThrow(denied);
    await expect(app('run_events').where({ run_id: runId }).delete()).rejects.toThrow(denied);
    await expect(app.raw('TRUNCATE run_events CASCADE')).rejects.toThrow(denied);
    await expect(app('admin_audit').delete()).rejects.toThrow(denied);
    await expect(app('runs').where({ id: runId }).delete()).rejects.toThrow(denied);
    await expect(app.raw('ALTER TABLE run_events DISABLE TRIGGER run_events_no_update_delete')).rejects.toThrow(denied);
    await expect(app.raw('DROP TRIGGER run_events_no_update_delete ON run_events')).rejects.toThrow(denied);
    await expect(app.raw('CREATE TRIGGER sneaky BEFORE INSERT ON run_events FOR EACH ROW EXECUTE FUNCTION run_events_reject_change()')).rejects.toThrow(denied);
    await expect(app.raw('ALTER TABLE run_events ADD COLUMN note text')).rejects.toThrow(denied);
    await expect(app.raw('DROP TABLE run_events')).rejects.toThrow(denied);
    await expect(app.raw('CREATE TABLE scratch (id int)')).rejects.toThrow(denied);
    await expect(
      app.raw('CREATE OR REPLACE FUNCTION run_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$'),
    ).rejects.toThrow(denied);
    await expect(app.raw('SET ROLE flightdeck_maintenance')).rejects.toThrow(denied);
    // The purge setting forged by hand changes nothing: the DELETE is refused before the trigger.
    await expect(
      app.transaction(async (trx) => {
        await trx.raw("SELECT set_config('flightdeck.purging_run', ?, true)", [runId!]);
        await trx('run_events').where({ run_id: runId }).delete();
      }),
    ).rejects.toThrow(denied);
    expect((await verifyRunLog(app, { tenantId: 't_roles_denied', runId: runId! }))?.ok).toBe(true);
  });

  it('is judged fit to run; the owner (a superuser here) is not', async () => {
    expect(describeRoleProblem(await inspectRole(app))).toBeNull();
    const ownerFacts = await inspectRole(scratch.db);
    expect(ownerFacts.superuser).toBe(true);
    expect(describeRoleProblem(ownerFacts)).toMatch(/^DATABASE_URL connects as role "\w+", which is a superuser .*DATABASE_MIGRATION_URL to the owner/);
  });

  it('counts a role that owns a table, or may act as its owner, as an owner', async () => {
    const member = `${appRole}_member`;
    await createLoginRole(scratch.db, member);
    try {
      await scratch.db.raw(`CREATE TABLE owned_by_member (id int)`);
      await scratch.db.raw(`ALTER TABLE owned_by_member OWNER TO ${appRole}`);
      await scratch.db.raw(`GRANT ${appRole} TO ${member}`);
      const viaMembership = createDb(asRole(scratch.url, member), { log: silent });
      try {
        expect(describeRoleProblem(await inspectRole(viaMembership))).toMatch(/owns the tables owned_by_member/);
      } finally {
        await viaMembership.destroy();
      }
      // And a table the map does not know stops the grant step, naming it.
      await expect(grantAppRole(scratch.db, appRole)).rejects.toThrow(/owned_by_member: add them to appTablePrivileges/);
    } finally {
      await scratch.db.raw('DROP TABLE IF EXISTS owned_by_member');
      await scratch.db.raw(`DROP ROLE IF EXISTS ${member}`);
    }
    await grantAppRole(scratch.db, appRole); // idempotent: again as after every migrate
    expect(describeRoleProblem(await inspectRole(app))).toBeNull();
  });

  it('warns once outside production and refuses in production; a database that does not answer does not hold the boot', async () => {
    const warnings: string[] = [];
    const refused: string[] = [];
    const log = { warn: (line: string) => warnings.push(line), error: () => undefined };
    await guardAppRole(scratch.db, { production: false, log, refuse: (problem) => refused.push(problem) });
    expect(warnings).toEqual([expect.stringContaining('allowed outside NODE_ENV=production')]);
    expect(refused).toEqual([]);
    await guardAppRole(scratch.db, { production: true, log, refuse: (problem) => refused.push(problem) });
    expect(refused).toEqual([expect.stringContaining('is a superuser')]);
    warnings.length = 0;
    refused.length = 0;
    await guardAppRole(app, { production: true, log, refuse: (problem) => refused.push(problem) });
    expect([warnings, refused]).toEqual([[], []]);

    const dead = createDb(`postgres://postgres:x@127.0.0.1:${await freePort()}/none`, { log: silent });
    try {
      const started = Date.now();
      await guardAppRole(dead, { production: true, log, refuse: (problem) => refused.push(problem), retryMs: 60_000 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(warnings).toEqual([expect.stringContaining('could not check the database role yet')]);
      expect(refused).toEqual([]);
    } finally {
      await dead.destroy();
    }
  });

  describe('the process entry points with NODE_ENV=production', () => {
    const production = (databaseUrl: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      // Nothing listens here: the role check comes before Temporal.
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      FLIGHTDECK_ADMIN_KEY: 'roles-test-admin-key-0123',
      FLIGHTDECK_METRICS_TOKEN: 'roles-test-metrics-token-0123',
      FLIGHTDECK_LOG_KEYS: process.env.FLIGHTDECK_LOG_KEYS,
      FLIGHTDECK_SIGNAL_KEYS: process.env.FLIGHTDECK_SIGNAL_KEYS,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
    });

    it.each(['api/main.ts', 'worker/main.ts', 'worker/combined-main.ts'])(
      '%s refuses the superuser owner with one line naming the fix',
      async (entry) => {
        const { code, stderr } = await runEntry(entry, production(scratch.url));
        expect(code).toBe(1);
        const lines = stderr.split('\n').filter((line) => line.trim());
        expect(lines).toEqual([expect.stringMatching(/^flightdeck (api|worker|api\+worker): DATABASE_URL connects as role "\w+", which is a superuser/)]);
        expect(lines[0]).toContain('set DATABASE_URL to an application role that owns nothing and DATABASE_MIGRATION_URL to the owner');
      },
      60_000,
    );

    it.each(['api/main.ts', 'worker/main.ts', 'worker/combined-main.ts', 'scripts/verify-log.ts'])(
      '%s refuses to start without FLIGHTDECK_LOG_KEYS, naming the variable and how to make a key',
      async (entry) => {
        const { FLIGHTDECK_LOG_KEYS: _unset, ...env } = production(appUrl);
        const { code, stderr } = await runEntry(entry, env);
        expect(code).toBe(1);
        expect(stderr).toMatch(
          /^flightdeck (api|worker|api\+worker|verify-log): invalid configuration:\n {2}- FLIGHTDECK_LOG_KEYS: must be set when NODE_ENV=production/,
        );
        expect(stderr.split('\n').filter((line) => line.includes('FLIGHTDECK_LOG_KEYS'))).toEqual([expect.stringContaining('`openssl rand -base64 32`')]);
      },
      60_000,
    );

    it('api/main.ts starts with the application role', async () => {
      const { child, url } = await startApiProcess(production(appUrl));
      try {
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      } finally {
        child.kill('SIGKILL');
      }
    }, 60_000);
  });
});

describe('pool timeouts (every createDb pool)', () => {
  // A database of their own: the probe tables must not show up in the shared one's backups.
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const url = () => scratch.url;
  beforeAll(async () => {
    scratch = await createScratchDatabase('timeouts');
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('starts every connection with the default statement and idle-in-transaction timeouts', async () => {
    const db = createDb(url(), { log: silent });
    try {
      const { rows } = (await db.raw(
        "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
      )) as { rows: unknown[] };
      expect(rows).toEqual([{ statement: '30s', idle: '1min' }]);
    } finally {
      await db.destroy();
    }
  });

  it('cuts a statement that hangs, and one stuck behind a lock; the pool goes on', async () => {
    const db = createDb(url(), { log: silent, statementTimeoutMs: 300 });
    const holder = createDb(url(), { log: silent });
    try {
      const started = Date.now();
      await expect(db.raw('SELECT pg_sleep(10)')).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(5_000);

      await holder.raw('CREATE TABLE IF NOT EXISTS timeout_probe (id int PRIMARY KEY)');
      await holder.raw('INSERT INTO timeout_probe VALUES (1) ON CONFLICT DO NOTHING');
      await holder.transaction(async (trx) => {
        await trx.raw('SELECT * FROM timeout_probe WHERE id = 1 FOR UPDATE');
        await expect(db.raw('UPDATE timeout_probe SET id = 1 WHERE id = 1')).rejects.toThrow(/statement timeout/);
      });
      expect((await db.raw('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await holder.raw('DROP TABLE IF EXISTS timeout_probe');
      await holder.destroy();
      await db.destroy();
    }
  });

  it('ends a transaction left idle, releasing its locks; the pool goes on', async () => {
    const db = createDb(url(), { log: silent, idleInTransactionTimeoutMs: 300 });
    const other = createDb(url(), { log: silent });
    try {
      await other.raw('CREATE TABLE IF NOT EXISTS idle_probe (id int PRIMARY KEY, v int)');
      await other.raw('INSERT INTO idle_probe VALUES (1, 0) ON CONFLICT DO NOTHING');
      let waitedMs = 0;
      await expect(
        db.transaction(async (trx) => {
          await trx.raw('SELECT * FROM idle_probe WHERE id = 1 FOR UPDATE');
          // Left idle holding the row lock: the server ends the session, so this update gets the row.
          const started = Date.now();
          await other.raw('UPDATE idle_probe SET v = v + 1 WHERE id = 1');
          waitedMs = Date.now() - started;
          await trx.raw('SELECT 2');
        }),
      ).rejects.toThrow(/not queryable|idle-in-transaction|terminat/);
      expect(waitedMs).toBeGreaterThan(200);
      expect(waitedMs).toBeLessThan(3_000);
      expect((await db.raw('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await other.raw('DROP TABLE IF EXISTS idle_probe');
      await other.destroy();
      await db.destroy();
    }
  });
});
