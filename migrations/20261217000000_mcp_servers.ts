import type { Knex } from 'knex';

/**
 * `mcp_servers`: the Streamable HTTP MCP servers a tenant's admins registered (POST /v1/mcp-servers);
 * their tools are `mcp.<name>.<tool>` for that tenant only. Header values are secrets:
 * `headers_sealed` holds them sealed (lib/sealed-secrets.ts, under FLIGHTDECK_PAYLOAD_KEYS), and
 * `header_names` the names alone, what the API lists.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mcp_servers', (table) => {
    table.bigIncrements('id').primary();
    table.text('tenant_id').notNullable();
    table.text('name').notNullable();
    table.text('url').notNullable();
    table.text('headers_sealed');
    table.jsonb('header_names').notNullable().defaultTo('[]');
    table.text('timeout');
    table.boolean('retry_tool_errors').notNullable().defaultTo(false);
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.jsonb('created_by').notNullable();
    table.unique(['tenant_id', 'name'], { indexName: 'mcp_servers_tenant_name_key' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('mcp_servers');
}
