import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { ClientBase } from 'pg';
import { defaultIdleInTransactionTimeoutMs, defaultStatementTimeoutMs } from './config';

export const migrationsDirectory = path.resolve(__dirname, '..', 'migrations');

export interface DbLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface DbOptions {
  poolMax?: number;
  log?: DbLogger;
  /** The server cancels a statement that runs longer (ms); 0: the server's own setting (off by default). */
  statementTimeoutMs?: number;
  /** The server ends a session idle inside a transaction this long (ms), releasing its locks; 0: the server's setting. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * A knex instance over `pg`; knex's own warnings go to `log` (they would otherwise hit console.log).
 * Every connection starts with its statement and idle-in-transaction timeouts as startup
 * parameters (no extra round trip), so a hung database or a stuck transaction cannot hold a pool
 * connection — and the ws frames and requests queued behind it — for ever.
 */
export function createDb(databaseUrl: string, options: DbOptions = {}): Knex {
  const log = options.log ?? { warn: (message: string) => console.warn(message), error: (message: string) => console.error(message) };
  return knexFactory({
    log: {
      warn: (message: unknown) => log.warn(`knex: ${String(message)}`),
      error: (message: unknown) => log.error(`knex: ${String(message)}`),
      deprecate: (method: string, alternative: string) => log.warn(`knex: ${method} is deprecated; use ${alternative}`),
      debug: () => undefined,
    },
    client: 'pg',
    connection: {
      connectionString: databaseUrl,
      statement_timeout: options.statementTimeoutMs ?? defaultStatementTimeoutMs,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? defaultIdleInTransactionTimeoutMs,
    },
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
