/**
 * The embedded infrastructure `npm start` provisions when DATABASE_URL / TEMPORAL_ADDRESS are not
 * set: a PostgreSQL cluster and a Temporal dev server, both with their data under the data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DevEnv } from '../lib/config';
import { formatKeyList, parseKeyList, type NamedKey } from '../lib/key-list';
import { migrateAndGrant } from '../lib/db-roles';
import { embeddedRoles, ensureRolesAndDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { findTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-dev-server';

export interface Provisioned {
  /** What the processes connect as: the application role. */
  databaseUrl: string;
  /** The owner migrations ran as. */
  migrationUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  adminKey: string;
  /** FLIGHTDECK_LOG_KEYS for the processes, as the variable spells it. */
  logKeys: string;
  /** FLIGHTDECK_SIGNAL_KEYS for the processes: as given, or the one kept in the data folder. */
  signalKeys: string;
  stop(): Promise<void>;
}

const databaseName = 'flightdeck';

/** The admin key: FLIGHTDECK_ADMIN_KEY, or one generated on first start and kept in the data folder. */
async function adminKeyFor(env: DevEnv, dataDir: string): Promise<string> {
  if (env.FLIGHTDECK_ADMIN_KEY) return env.FLIGHTDECK_ADMIN_KEY;
  const file = path.join(dataDir, 'admin-key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = `fd_admin_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * A key list for the processes: the one the variable gives, or one key generated on first start
 * and kept in `<data dir>/<file>` (mode 0600: whoever reads it can forge what the key vouches
 * for), so later starts, and the runs they left in flight, use the same key.
 */
async function keptKeyList(given: readonly NamedKey[], dataDir: string, file: string): Promise<string> {
  if (given.length > 0) return formatKeyList(given);
  const keyFile = path.join(dataDir, file);
  if (existsSync(keyFile)) {
    try {
      return formatKeyList(parseKeyList(await readFile(keyFile, 'utf8')));
    } catch (error) {
      throw new Error(`${keyFile}: ${(error as Error).message}`);
    }
  }
  const keys = `local:${randomBytes(32).toString('base64')}`;
  await writeFile(keyFile, `${keys}\n`, { mode: 0o600 });
  return keys;
}

/** FLIGHTDECK_LOG_KEYS, or the key kept in `<data dir>/log-key`: it keys the event log's hash chain. */
export const logKeysFor = (env: Pick<DevEnv, 'FLIGHTDECK_LOG_KEYS'>, dataDir: string) => keptKeyList(env.FLIGHTDECK_LOG_KEYS, dataDir, 'log-key');

/** FLIGHTDECK_SIGNAL_KEYS, or the key kept in `<data dir>/signal-key`: the API signs signals with it, the worker checks them. */
export const signalKeysFor = (env: Pick<DevEnv, 'FLIGHTDECK_SIGNAL_KEYS'>, dataDir: string) => keptKeyList(env.FLIGHTDECK_SIGNAL_KEYS, dataDir, 'signal-key');

export async function provisionDevInfra(options: { env: DevEnv; repoRoot: string; log: (line: string) => void }): Promise<Provisioned> {
  const { env, repoRoot, log } = options;
  const dataDir = path.resolve(repoRoot, env.FLIGHTDECK_DATA_DIR);
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch((error: unknown) => log(`stop failed: ${String(error)}`));
  };

  try {
    // Given a database, use it as given; the embedded one has both roles (scripts/embedded-postgres.ts).
    let databaseUrl = env.DATABASE_URL;
    let migrationUrl = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
    if (!databaseUrl || !migrationUrl) {
      log(`starting embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_PG_PORT} (data in ${path.join(dataDir, 'postgres')})`);
      const postgres = await startEmbeddedPostgres({
        baseDir: path.join(dataDir, 'postgres'),
        port: env.EMBEDDED_PG_PORT,
        log: (line) => (env.LOG_LEVEL === 'debug' ? log(`[postgres] ${line}`) : undefined),
      });
      stops.push(() => postgres.stop());
      await ensureRolesAndDatabase(postgres.urlFor('postgres'), databaseName, embeddedRoles);
      databaseUrl = postgres.urlFor(databaseName, embeddedRoles.app);
      migrationUrl = postgres.urlFor(databaseName, embeddedRoles.owner);
    }
    const { applied, owner, appRole } = await migrateAndGrant({ migrationUrl, appUrl: databaseUrl });
    log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
    log(
      appRole
        ? `the processes connect as ${appRole}; migrations ran as ${owner}`
        : `the processes connect as the owner ${owner} (one role: a warning in development)`,
    );

    let temporalAddress = env.TEMPORAL_ADDRESS;
    let temporalUiUrl = env.TEMPORAL_UI_URL ?? `http://localhost:${env.TEMPORAL_UI_PORT}`;
    if (!temporalAddress) {
      const cli = await findTemporalCli({ repoRoot, env: process.env, log });
      log(`starting the Temporal dev server on 127.0.0.1:${env.TEMPORAL_PORT} (Web UI on :${env.TEMPORAL_UI_PORT})`);
      const temporal = await startTemporalDevServer({
        cli,
        port: env.TEMPORAL_PORT,
        uiPort: env.TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
        namespace: env.TEMPORAL_NAMESPACE,
        // The dashboard's codec endpoint, as the browser reaches it: same site as the UI (localhost), so its session cookie goes along.
        uiCodecEndpoint: `http://localhost:${env.WEB_PORT}/api/codec`,
        log: (line) => (env.LOG_LEVEL === 'debug' ? log(`[temporal] ${line}`) : undefined),
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      // The dev server binds 127.0.0.1; browsers on this machine know it as localhost.
      temporalUiUrl = env.TEMPORAL_UI_URL ?? `http://localhost:${env.TEMPORAL_UI_PORT}`;
    }

    return {
      databaseUrl,
      migrationUrl,
      temporalAddress,
      temporalUiUrl,
      adminKey: await adminKeyFor(env, dataDir),
      logKeys: await logKeysFor(env, dataDir),
      signalKeys: await signalKeysFor(env, dataDir),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
