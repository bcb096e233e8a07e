import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb, migrateLatest } from '../lib/db';
import { attachEventLog, createEventLogState } from '../lib/event-log';
import { dropDatabase, ensureDatabase, startEmbeddedPostgres, withDatabase } from '../scripts/embedded-postgres';
import { freePort } from '../scripts/free-port';

/** Runs `job` on a fresh database on DATABASE_URL's server, else on an embedded Postgres in a temp folder. */
export async function withBenchDatabase<T>(job: (url: string) => Promise<T>): Promise<T> {
  const name = `flightdeck_bench_${process.pid}`;
  if (process.env.DATABASE_URL) {
    const adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
    await ensureDatabase(adminUrl, name);
    try {
      return await job(withDatabase(adminUrl, name));
    } finally {
      await dropDatabase(adminUrl, name);
    }
  }
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-bench-'));
  await chmod(baseDir, 0o755); // embedded Postgres runs as the postgres user when we are root
  const server = await startEmbeddedPostgres({ baseDir: path.join(baseDir, 'postgres'), port: await freePort(), log: () => undefined });
  try {
    await ensureDatabase(server.urlFor('postgres'), name);
    return await job(server.urlFor(name));
  } finally {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  }
}

/**
 * A bench script's whole life: a migrated bench database, `measure` on it, the Postgres version
 * and machine, the rows as a table; exits non-zero if anything fails.
 */
export function runTableBench(seconds: number, measure: (db: Knex) => Promise<object[]>): void {
  const run = withBenchDatabase(async (url) => {
    const db = createDb(url, { poolMax: 10 });
    // Measured as production appends: no schema check per event.
    attachEventLog(db, createEventLogState({ validateEvents: false }));
    try {
      await migrateLatest(db);
      const measured = await measure(db);
      const [version] = (await db.raw('show server_version')).rows as Array<{ server_version: string }>;
      console.log(`PostgreSQL ${version?.server_version}, ${seconds} s per scenario, ${os.cpus().length} CPUs`);
      return measured;
    } finally {
      await db.destroy();
    }
  });
  run.then(
    (results) => console.table(results),
    (error: unknown) => {
      console.error('bench failed:', error);
      process.exit(1);
    },
  );
}
