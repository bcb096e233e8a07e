/**
 * What the benchmark runs against: TEMPORAL_ADDRESS or a dev server of its own (Flightdeck's tuned
 * flags, docs/architecture.md), and a fresh database — on embedded Postgres of its own, or created on
 * DATABASE_URL's server and dropped afterwards, since the bench writes thousands of runs it cannot
 * delete (the event log is append-only).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest } from '../lib/db';
import { dropDatabase, ensureDatabase, startEmbeddedPostgres, withDatabase } from '../scripts/embedded-postgres';
import { freePort } from '../scripts/free-port';
import { findTemporalCli } from '../scripts/temporal-cli';
import { devServerTuningArgs, startTemporalDevServer, waitForTemporal } from '../scripts/temporal-dev-server';

const repoRoot = path.resolve(__dirname, '..');

export interface BenchInfra {
  stateDir: string;
  databaseUrl: string;
  /** A second database on the same server, for the peer engine (DBOS) to keep its own tables in. */
  peerDatabaseUrl: string;
  temporalAddress: string;
  namespace: string;
  /** The `temporal` binary that runs the dev server (null with TEMPORAL_ADDRESS or a downloaded CLI). */
  temporalCliPath: string | null;
  /** Where our own servers keep their data (null when provided from outside): how to find their pids. */
  temporalDbFile: string | null;
  postgresDataDir: string | null;
  /** How each dependency was provided, for the report. */
  provided: { postgres: string; temporal: string };
  stop(): Promise<void>;
}

export interface BenchInfraOptions {
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** The dev server's flags: Flightdeck's tuned ones, or start-dev's defaults. */
  temporalFlags: 'tuned' | 'defaults';
  /** More `start-dev` arguments after those (e.g. a dynamic-config value a probe tries). */
  extraTemporalArgs?: readonly string[];
}

export async function startBenchInfra(options: BenchInfraOptions): Promise<BenchInfra> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-bench-'));
  await chmod(stateDir, 0o755); // embedded Postgres runs as the postgres user when we are root
  const stops: Array<() => Promise<void>> = [() => rm(stateDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne().catch((error: unknown) => options.log(`stop failed: ${String(error)}`));
  };
  try {
    const namespace = options.env.TEMPORAL_NAMESPACE ?? 'default';
    const [temporal, postgres] = await Promise.all([
      startTemporal(options, stateDir, namespace, stops),
      startDatabase(options.env, stateDir, stops, options.log),
    ]);
    return {
      stateDir,
      namespace,
      databaseUrl: postgres.url,
      peerDatabaseUrl: postgres.peerUrl,
      temporalAddress: temporal.address,
      temporalCliPath: temporal.cliPath,
      temporalDbFile: temporal.dbFile,
      postgresDataDir: postgres.dataDir,
      provided: { postgres: postgres.kind, temporal: temporal.kind },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startTemporal(options: BenchInfraOptions, stateDir: string, namespace: string, stops: Array<() => Promise<void>>) {
  const { env, log } = options;
  if (env.TEMPORAL_ADDRESS) {
    await waitForTemporal(env.TEMPORAL_ADDRESS, namespace, 30_000, { searchAttributes: true });
    return { address: env.TEMPORAL_ADDRESS, cliPath: null, dbFile: null, kind: `TEMPORAL_ADDRESS ${env.TEMPORAL_ADDRESS}` };
  }
  const cli = await findTemporalCli({ repoRoot, env, log });
  const dbFile = path.join(stateDir, 'temporal.db');
  const server = await startTemporalDevServer({
    cli,
    port: await freePort(),
    uiPort: await freePort(),
    dbFile,
    namespace,
    tuningArgs: [...(options.temporalFlags === 'defaults' ? [] : devServerTuningArgs), ...(options.extraTemporalArgs ?? [])],
    log: () => undefined,
  });
  stops.push(() => server.stop());
  const cliPath = cli.kind === 'binary' ? cli.path : null;
  return {
    address: server.address,
    cliPath,
    dbFile,
    kind: options.temporalFlags === 'defaults' ? 'dev server (start-dev defaults, SQLite file)' : 'dev server (tuned flags, SQLite file with WAL)',
  };
}

async function startDatabase(env: NodeJS.ProcessEnv, stateDir: string, stops: Array<() => Promise<void>>, log: (line: string) => void) {
  let adminUrl: string;
  let kind: string;
  let dataDir: string | null = null;
  const database = `flightdeck_bench_${Date.now()}`;
  const peerDatabase = `${database}_dbos`;
  if (env.DATABASE_URL) {
    adminUrl = withDatabase(env.DATABASE_URL, 'postgres');
    kind = `database ${database} on DATABASE_URL's server (dropped afterwards)`;
    stops.push(() => dropDatabase(adminUrl, database));
    stops.push(() => dropDatabase(adminUrl, peerDatabase));
  } else {
    const baseDir = path.join(stateDir, 'postgres');
    const server = await startEmbeddedPostgres({ baseDir, port: await freePort(), log: () => undefined });
    dataDir = path.join(baseDir, 'data');
    stops.push(() => server.stop());
    adminUrl = server.urlFor('postgres');
    kind = 'embedded PostgreSQL (default settings)';
  }
  log(`database: ${kind}`);
  await ensureDatabase(adminUrl, database);
  await ensureDatabase(adminUrl, peerDatabase);
  const url = withDatabase(adminUrl, database);
  const db = createDb(url, { poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return { url, peerUrl: withDatabase(adminUrl, peerDatabase), kind, dataDir };
}
