import path from 'node:path';
import knexFactory, { type Knex } from 'knex';

export const migrationsDirectory = path.resolve(__dirname, '..', 'migrations');

export function createDb(databaseUrl: string, options: { poolMax?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: options.poolMax ?? 10 },
    migrations: { directory: migrationsDirectory, loadExtensions: ['.ts'], tableName: 'knex_migrations' },
  });
}

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

/** Checks the database answers; used by readiness probes. */
export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
