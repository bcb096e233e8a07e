import type { Knex } from 'knex';

/** The approvals inbox: a projection of `approval.*` events, updated in the same transaction as the log. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('approvals', (table) => {
    table.text('id').primary();
    table.text('tenant_id').notNullable();
    table.text('run_id').notNullable().references('id').inTable('runs');
    table.text('step_id').notNullable();
    table.text('tool').notNullable();
    table.jsonb('args').notNullable();
    table.specificType('approvers', 'text[]').notNullable();
    table.integer('required').notNullable();
    table.text('on_timeout').notNullable();
    table.timestamp('deadline_at', { useTz: true }).notNullable();
    table.text('status').notNullable();
    table.jsonb('submissions').notNullable().defaultTo('[]');
    table.jsonb('decision');
    table.timestamp('requested_at', { useTz: true }).notNullable();
    table.timestamp('decided_at', { useTz: true });
    table.integer('updated_seq').notNullable();
    table.index(['tenant_id', 'status', 'requested_at'], 'approvals_tenant_status_idx');
    table.index(['run_id'], 'approvals_run_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('approvals');
}
