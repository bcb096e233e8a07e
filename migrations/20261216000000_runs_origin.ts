import type { Knex } from 'knex';

/**
 * Replays and forks: a run names the run whose recorded results it reuses (`spec.origin`), and
 * `GET /v1/runs?originRunId=` lists a run's replays and forks through the index. No foreign key,
 * as for `parent_run_id`: retention may purge the origin first, and the column is a projection of
 * `run.created`, rebuilt from the log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (table) => {
    table.text('origin_run_id');
    table.index(['tenant_id', 'origin_run_id', 'created_at', 'id'], 'runs_tenant_origin_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (table) => {
    table.dropIndex(['tenant_id', 'origin_run_id', 'created_at', 'id'], 'runs_tenant_origin_idx');
    table.dropColumn('origin_run_id');
  });
}
