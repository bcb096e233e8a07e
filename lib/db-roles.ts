/**
 * The two database roles: the owner, which migrations run as (DATABASE_MIGRATION_URL), and the
 * application role the API and the worker connect with (DATABASE_URL), which owns nothing and may
 * only do the DML the code does. The append-only triggers bind the application role because it
 * cannot drop, alter or disable them (only a table's owner or a superuser can), nor create
 * triggers of its own (no TRIGGER privilege).
 */
import type { Knex } from 'knex';
import { createDb, migrateLatest, type DbLogger } from './db';

type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/**
 * What the application role may do to each table, no more: the append-only tables take SELECT and
 * INSERT only; the purge function (owned by `flightdeck_maintenance`) is the one way rows leave them.
 * A table missing here fails `grantAppRole`, so a new migration has to say what the app may do.
 */
export const appTablePrivileges: Readonly<Record<string, readonly Privilege[]>> = {
  run_events: ['SELECT', 'INSERT'],
  admin_audit: ['SELECT', 'INSERT'],
  // Appends insert and update the projection; runs leave only through the purge function.
  runs: ['SELECT', 'INSERT', 'UPDATE'],
  // `npm run rebuild-projections` deletes a run's approvals before it folds them again.
  approvals: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // Created and revoked (revoked_at), never deleted.
  api_keys: ['SELECT', 'INSERT', 'UPDATE'],
  composio_limit_keys: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  composio_limit_leases: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  rate_limit_buckets: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // A tenant's MCP servers: registered and removed by its admins (POST/DELETE /v1/mcp-servers).
  mcp_servers: ['SELECT', 'INSERT', 'DELETE'],
  // Streaming answers: appended by the worker, deleted once model.called is recorded or by age.
  model_answers: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // Written by the trigger on run_events (as the appending role), read by GET /v1/usage and budgets.
  tenant_usage_daily: ['SELECT', 'INSERT', 'UPDATE'],
  tenant_budgets: ['SELECT', 'INSERT', 'UPDATE'],
  // `npm run backup` names the applied migrations in its header.
  knex_migrations: ['SELECT'],
  knex_migrations_lock: [],
};

/** The retention purge (migrations/20261125050100_retention.ts). */
const purgeFunction = 'flightdeck_purge_runs(timestamptz, text, integer, jsonb)';

async function one<T>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[] = []): Promise<T> {
  const { rows } = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: T[] };
  return rows[0]!;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * Gives `appRole` exactly `appTablePrivileges` on the schema's tables (revoking whatever else the
 * owner had granted it), USAGE on the schema and its sequences, and EXECUTE on the purge function;
 * never TRUNCATE, REFERENCES or TRIGGER, never CREATE. Idempotent: `migrateAndGrant` runs it after
 * every migrate, so a new table gets its grants with the migration that made it. Run as the owner.
 */
export async function grantAppRole(owner: Knex, appRole: string): Promise<void> {
  await owner.transaction(async (trx) => {
    const { schema } = await one<{ schema: string }>(trx, 'SELECT current_schema() AS schema');
    const { rows: tables } = (await trx.raw(
      "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY 1",
      [schema],
    )) as { rows: Array<{ name: string }> };
    const unlisted = tables.map((table) => table.name).filter((name) => !(name in appTablePrivileges));
    if (unlisted.length > 0) {
      throw new Error(`no application-role privileges for table(s) ${unlisted.join(', ')}: add them to appTablePrivileges (lib/db-roles.ts)`);
    }
    const role = quote(appRole);
    const qualified = (name: string) => `${quote(schema)}.${quote(name)}`;
    await trx.raw(`GRANT USAGE ON SCHEMA ${quote(schema)} TO ${role}`);
    await trx.raw(`REVOKE CREATE ON SCHEMA ${quote(schema)} FROM ${role}`);
    for (const { name } of tables) {
      await trx.raw(`REVOKE ALL ON ${qualified(name)} FROM ${role}`);
      const privileges = appTablePrivileges[name]!;
      if (privileges.length > 0) await trx.raw(`GRANT ${privileges.join(', ')} ON ${qualified(name)} TO ${role}`);
    }
    await trx.raw(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${quote(schema)} FROM ${role}`);
    await trx.raw(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${quote(schema)} TO ${role}`);
    await grantPurge(trx, role, appRole);
  });
}

/**
 * The retention purge (`npm run retention`, the worker's schedule) calls the SECURITY DEFINER
 * function owned by `flightdeck_maintenance`. Only its owner (or a superuser, or a member) may
 * grant EXECUTE: a non-superuser migrator takes the membership for the grant and gives it back at
 * once, as the retention migration does, so no role keeps a way past the trigger.
 */
async function grantPurge(trx: Knex.Transaction, role: string, appRole: string): Promise<void> {
  const { present } = await one<{ present: boolean }>(trx, 'SELECT to_regprocedure(?) IS NOT NULL AS present', [purgeFunction]);
  if (!present) return;
  const { granted } = await one<{ granted: boolean }>(trx, "SELECT has_function_privilege(?, ?, 'EXECUTE') AS granted", [appRole, purgeFunction]);
  if (granted) return;
  const { direct } = await one<{ direct: boolean }>(
    trx,
    "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR has_function_privilege(current_user, ?, 'EXECUTE WITH GRANT OPTION') AS direct",
    [purgeFunction],
  );
  if (direct) {
    await trx.raw(`GRANT EXECUTE ON FUNCTION ${purgeFunction} TO ${role}`);
    return;
  }
  await trx.raw('GRANT flightdeck_maintenance TO CURRENT_USER');
  await trx.raw(`GRANT EXECUTE ON FUNCTION ${purgeFunction} TO ${role}`);
  await trx.raw('REVOKE flightdeck_maintenance FROM CURRENT_USER');
}

/** The role a connection URL logs in as (its `current_user`). */
export async function roleOf(db: Knex): Promise<string> {
  return (await one<{ role: string }>(db, 'SELECT current_user AS role')).role;
}

export interface MigrateResult {
  applied: string[];
  owner: string;
  /** The application role that was granted its privileges; null when both URLs are the same role. */
  appRole: string | null;
}

/**
 * Migrates as the owner (`migrationUrl`, no statement timeout: a migration may rewrite a big
 * table), then grants the role of `appUrl` what the application needs when it is another role.
 */
export async function migrateAndGrant(options: { migrationUrl: string; appUrl: string; log?: DbLogger }): Promise<MigrateResult> {
  const owner = createDb(options.migrationUrl, { poolMax: 1, statementTimeoutMs: 0, log: options.log });
  try {
    const applied = await migrateLatest(owner);
    const ownerRole = await roleOf(owner);
    if (options.appUrl === options.migrationUrl) return { applied, owner: ownerRole, appRole: null };
    const app = createDb(options.appUrl, { poolMax: 1, log: options.log });
    let appRole: string;
    try {
      appRole = await roleOf(app);
    } finally {
      await app.destroy();
    }
    if (appRole === ownerRole) return { applied, owner: ownerRole, appRole: null };
    await grantAppRole(owner, appRole);
    return { applied, owner: ownerRole, appRole };
  } finally {
    await owner.destroy();
  }
}

export interface RoleFacts {
  role: string;
  superuser: boolean;
  /** Tables of the schema this role owns, or may act as the owner of (membership). */
  ownedTables: string[];
  /** Whether it owns the schema (a schema's owner may drop any table in it). */
  ownsSchema: boolean;
}

/** What the connected role could do to the log beyond appending: superuser, or owner of its tables or schema. */
export async function inspectRole(db: Knex): Promise<RoleFacts> {
  const row = await one<{ role: string; superuser: boolean; owned_tables: string[]; owns_schema: boolean }>(
    db,
    `SELECT current_user AS role,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            coalesce((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND pg_has_role(current_user, c.relowner, 'MEMBER')), '{}') AS owned_tables,
            coalesce((SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = current_schema()), false) AS owns_schema`,
  );
  return { role: row.role, superuser: row.superuser, ownedTables: row.owned_tables, ownsSchema: row.owns_schema };
}

/** The one line a process prints about a role that could get past the append-only triggers, or null. */
export function describeRoleProblem(facts: RoleFacts): string | null {
  const reasons = [
    ...(facts.superuser ? ['is a superuser'] : []),
    ...(facts.ownedTables.length > 0 ? [`owns the tables ${facts.ownedTables.join(', ')}`] : []),
    ...(facts.ownsSchema ? ['owns their schema'] : []),
  ];
  if (reasons.length === 0) return null;
  return (
    `DATABASE_URL connects as role "${facts.role}", which ${reasons.join(' and ')}, so it could drop or disable the append-only triggers: ` +
    'set DATABASE_URL to an application role that owns nothing and DATABASE_MIGRATION_URL to the owner, then run `npm run migrate` to grant it (docs/operations.md, "Database roles")'
  );
}

export interface RoleGuardOptions {
  production: boolean;
  log: { warn(message: string): void; error(message: string): void };
  /** Called with the problem in production (the process entry points print it and exit 1). */
  refuse: (problem: string) => void;
  /** How long boot waits for the first answer before it goes on and checks in the background. */
  firstAnswerMs?: number;
  retryMs?: number;
}

/** For process entry points: print the problem as one line, as loadEnvOrExit does, and exit 1. */
export const refuseToStart =
  (processName: string) =>
  (problem: string): never => {
    process.stderr.write(`flightdeck ${processName}: ${problem}\n`);
    process.exit(1);
  };

/**
 * At boot: in production, a role that could get past the append-only triggers is refused
 * (`refuse`); elsewhere it is a warning, once. A database that does not answer yet does not hold
 * the boot up (the API serves /readyz 503 meanwhile): the check goes on in the background and
 * refuses (production) as soon as the database answers with a problem.
 */
export async function guardAppRole(db: Knex, options: RoleGuardOptions): Promise<void> {
  const retryMs = options.retryMs ?? 5_000;
  const judge = (facts: RoleFacts) => {
    const problem = describeRoleProblem(facts);
    if (!problem) return;
    if (options.production) options.refuse(problem);
    else options.log.warn(`${problem} (allowed outside NODE_ENV=production)`);
  };
  let timer: NodeJS.Timeout | undefined;
  const first = inspectRole(db);
  const answered = await Promise.race([
    first.then(
      (facts) => ({ facts }),
      (error: unknown) => ({ error }),
    ),
    new Promise<{ pending: true }>((resolve) => {
      timer = setTimeout(() => resolve({ pending: true }), options.firstAnswerMs ?? 5_000);
    }),
  ]);
  clearTimeout(timer);
  if ('facts' in answered) return judge(answered.facts);
  options.log.warn(
    `could not check the database role yet (${'error' in answered ? String((answered.error as Error)?.message ?? answered.error) : 'no answer'}); checking in the background`,
  );
  const again = () => {
    inspectRole(db).then(judge, () => setTimeout(again, retryMs).unref());
  };
  if ('pending' in answered) first.then(judge, () => setTimeout(again, retryMs).unref());
  else setTimeout(again, retryMs).unref();
}
