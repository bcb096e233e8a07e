import type { Knex } from 'knex';

/**
 * Child runs (`ctx.run`): a run names the run that started it, and `GET /v1/runs?parentRunId=`
 * lists a run's children through the index. No foreign key: retention may purge a parent before
 * its children end, and the column is a projection of `run.created`, rebuilt from the log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (table) => {
    table.text('parent_run_id');
    table.index(['tenant_id', 'parent_run_id', 'created_at', 'id'], 'runs_tenant_parent_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (table) => {
    table.dropIndex(['tenant_id', 'parent_run_id', 'created_at', 'id'], 'runs_tenant_parent_idx');
    table.dropColumn('parent_run_id');
  });
}
