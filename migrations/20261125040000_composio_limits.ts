import type { Knex } from 'knex';

/**
 * Composio limits shared by every worker: one row per (toolkit or tool, userId) key with its token
 * bucket and a 429 hold, locked while a call takes a slot; leases count calls in flight and expire
 * on their own when a worker dies without releasing them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('composio_limit_keys', (table) => {
    table.text('key').primary();
    table.double('tokens').notNullable();
    table.timestamp('refilled_at', { useTz: true }).notNullable();
    table.timestamp('held_until', { useTz: true });
  });
  await knex.schema.createTable('composio_limit_leases', (table) => {
    table.text('id').primary();
    table.text('key').notNullable().references('key').inTable('composio_limit_keys');
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.index(['key', 'expires_at'], 'composio_limit_leases_key_idx');
  });
  // The API's connection poller looks for these across tenants.
  await knex.raw("CREATE INDEX runs_awaiting_connection_idx ON runs (id) WHERE status = 'awaiting_connection'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS runs_awaiting_connection_idx');
  await knex.schema.dropTableIfExists('composio_limit_leases');
  await knex.schema.dropTableIfExists('composio_limit_keys');
}
