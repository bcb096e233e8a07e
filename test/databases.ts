import type { Knex } from 'knex';
import { createDb } from '../lib/db';
import { dropDatabase, ensureDatabase, withDatabase } from '../scripts/embedded-postgres';

/** A fresh, empty database on the test run's Postgres, for tests that need one to themselves. */
export async function createScratchDatabase(label: string): Promise<{ db: Knex; url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.FLIGHTDECK_TEST_ADMIN_DB_URL;
  if (!adminUrl) throw new Error('FLIGHTDECK_TEST_ADMIN_DB_URL is not set: run through jest (test/global-setup.ts)');
  const name = `fd_${label}_${process.pid}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await ensureDatabase(adminUrl, name);
  const url = withDatabase(adminUrl, name);
  const db = createDb(url);
  return {
    db,
    url,
    async drop() {
      await db.destroy();
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * The shared test database as its owner (the migrations' role): the suite's DATABASE_URL is an
 * application role that may not even try what the append-only triggers refuse (test/global-setup.ts).
 */
export function ownerDb(): Knex {
  const url = process.env.FLIGHTDECK_TEST_OWNER_DB_URL;
  if (!url) throw new Error('FLIGHTDECK_TEST_OWNER_DB_URL is not set: run through jest (test/global-setup.ts)');
  return createDb(url);
}
