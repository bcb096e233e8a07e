import type { Knex } from 'knex';

/** API keys: only a hash is stored; the key itself is shown once, when it is created. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (table) => {
    table.text('id').primary();
    table.text('tenant_id').notNullable();
    table.text('name').notNullable();
    table.text('role').notNullable();
    table.text('key_hash').notNullable().unique();
    table.jsonb('created_by');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('revoked_at', { useTz: true });
    table.index(['tenant_id'], 'api_keys_tenant_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
}
