import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { ClientBase } from 'pg';

export const migrationsDirectory = path.resolve(__dirname, '..', 'migrations');

export interface DbLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** A knex instance over `pg`; knex's own warnings go to `log` (they would otherwise hit console.log). */
export function createDb(databaseUrl: string, options: { poolMax?: number; log?: DbLogger } = {}): Knex {
  const log = options.log ?? { warn: (message: string) => console.warn(message), error: (message: string) => console.error(message) };
  return knexFactory({
    log: {
      warn: (message: unknown) => log.warn(`knex: ${String(message)}`),
      error: (message: unknown) => log.error(`knex: ${String(message)}`),
      deprecate: (method: string, alternative: string) => log.warn(`knex: ${method} is deprecated; use ${alternative}`),
      debug: () => undefined,
    },
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

/**
 * Lends one connection of `db`'s own pool as a plain `pg` client, for the hot path that skips
 * knex's query building and transaction objects (event appends). A connection that broke is
 * marked by knex's listeners and dropped by the pool when it comes back.
 */
export async function withPooledClient<T>(db: Knex, use: (client: ClientBase) => Promise<T>): Promise<T> {
  const client = (await db.client.acquireConnection()) as ClientBase;
  try {
    return await use(client);
  } finally {
    await db.client.releaseConnection(client);
  }
}
