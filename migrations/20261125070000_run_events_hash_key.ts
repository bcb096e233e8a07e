import type { Knex } from 'knex';

/**
 * `run_events.hash_key_id`: the log key (FLIGHTDECK_LOG_KEYS) a row's hash is an HMAC with, so
 * verification finds the key of each row across rotations. Null for the rows hashed before (or
 * without) log keys: legacy sha256, verified as before. The application role's grants are the
 * table's (lib/db-roles.ts: SELECT and INSERT), so the column is written once, at insert.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_events', (table) => {
    table.text('hash_key_id').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_events', (table) => {
    table.dropColumn('hash_key_id');
  });
}
