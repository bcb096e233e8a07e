/**
 * Once per `npm test`: one Temporal dev server, one Postgres (embedded, or a fresh database on
 * DATABASE_URL's server), migrations, and one workflow bundle — shared by every test file. As in
 * production, the suite connects as an application role that owns nothing (DATABASE_URL), and the
 * migrations ran as the owner (the server's superuser, FLIGHTDECK_TEST_OWNER_DB_URL), which
 * granted it what the app needs (lib/db-roles.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../lib/db';
import { migrateAndGrant } from '../lib/db-roles';
import { dropDatabase, ensureDatabase, startEmbeddedPostgres, withDatabase } from '../scripts/embedded-postgres';
import { freePort } from '../scripts/free-port';
import { findTemporalCli } from '../scripts/temporal-cli';
import { startTemporalDevServer } from '../scripts/temporal-dev-server';
import { definitionDirectories, findDefinitionFiles } from '../lib/definitions';
import { writeWorkflowBundles } from '../worker/create-worker';
import { registerTeardown } from './teardown-registry';

const repoRoot = path.resolve(__dirname, '..');
const quiet = (prefix: string) => (line: string) => {
  if (process.env.FLIGHTDECK_TEST_VERBOSE) process.stderr.write(`[${prefix}] ${line}\n`);
};

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-test-'));
  await chmod(stateDir, 0o755); // embedded Postgres runs as the postgres user when we are root

  const [temporal, database] = await Promise.all([startTemporal(stateDir), startDatabase(stateDir)]);
  // The plain bundle, and its tracing twin for the stacks that turn OpenTelemetry on (create-worker.ts).
  const bundlePath = path.join(stateDir, 'workflow-bundle.js');
  // The stacks know the test definitions and the bench's besides the shipped ones; the bundle holds them all.
  const definitionsDir = process.env.FLIGHTDECK_DEFINITIONS_DIR ?? 'test/fixtures/definitions:bench/definitions';
  await writeWorkflowBundles(bundlePath, { definitionFiles: await findDefinitionFiles(definitionDirectories(definitionsDir)) });

  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: temporal.uiUrl,
    DATABASE_URL: database.appUrl,
    FLIGHTDECK_TEST_OWNER_DB_URL: database.url,
    FLIGHTDECK_TEST_ADMIN_DB_URL: database.adminUrl,
    FLIGHTDECK_TEST_STATE_DIR: stateDir,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    FLIGHTDECK_DEFINITIONS_DIR: definitionsDir,
    // The whole suite appends and verifies keyed rows, as production does (lib/log-keys.ts).
    FLIGHTDECK_LOG_KEYS: process.env.FLIGHTDECK_LOG_KEYS ?? `test:${randomBytes(32).toString('base64')}`,
    // Every stack signs its signals and its worker verifies them, as production does.
    FLIGHTDECK_SIGNAL_KEYS: process.env.FLIGHTDECK_SIGNAL_KEYS ?? `test:${randomBytes(32).toString('base64')}`,
  });
  process.stderr.write(`\ntest stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Temporal ${temporal.address}, Postgres ${database.kind})\n`);
}

async function startTemporal(stateDir: string) {
  if (process.env.TEMPORAL_ADDRESS) {
    return { address: process.env.TEMPORAL_ADDRESS, uiUrl: process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233' };
  }
  const cli = await findTemporalCli({ repoRoot, log: (line) => process.stderr.write(`[temporal] ${line}\n`) });
  const server = await startTemporalDevServer({
    cli,
    port: await freePort(),
    uiPort: await freePort(),
    dbFile: path.join(stateDir, 'temporal.db'),
    log: quiet('temporal'),
  });
  registerTeardown(() => server.stop());
  return server;
}

async function startDatabase(stateDir: string) {
  const database = `flightdeck_test_${process.pid}_${Date.now()}`;
  let adminUrl: string;
  let kind: string;
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
    kind = `database ${database} on DATABASE_URL's server`;
  } else {
    const server = await startEmbeddedPostgres({ baseDir: path.join(stateDir, 'postgres'), port: await freePort(), log: quiet('postgres') });
    registerTeardown(() => server.stop());
    adminUrl = server.urlFor('postgres');
    kind = `embedded on port ${server.port}`;
  }
  // Roles are the cluster's: one of this run's own, dropped after its database (teardowns run last first).
  const appRole = `flightdeck_test_app_${process.pid}`;
  await withAdmin(adminUrl, (admin) => admin.raw(`CREATE ROLE ${appRole} LOGIN PASSWORD '${appPassword}' NOSUPERUSER NOCREATEDB NOCREATEROLE`));
  registerTeardown(() => withAdmin(adminUrl, (admin) => admin.raw(`DROP ROLE IF EXISTS ${appRole}`)));
  registerTeardown(() => dropDatabase(adminUrl, database));
  await ensureDatabase(adminUrl, database);
  const url = withDatabase(adminUrl, database);
  const appUrl = new URL(url);
  appUrl.username = appRole;
  appUrl.password = appPassword;
  await migrateAndGrant({ migrationUrl: url, appUrl: appUrl.toString() });
  return { url, appUrl: appUrl.toString(), adminUrl, kind };
}

const appPassword = 'flightdeck-test-app';

async function withAdmin(adminUrl: string, use: (admin: ReturnType<typeof createDb>) => Promise<unknown>): Promise<void> {
  const admin = createDb(adminUrl, { poolMax: 1 });
  try {
    await use(admin);
  } finally {
    await admin.destroy();
  }
}
