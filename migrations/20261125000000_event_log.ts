import type { Knex } from 'knex';

/**
 * The append-only event log and the `runs` projection derived from it.
 * The log's immutability is the database's job, not the application's: a trigger rejects
 * UPDATE, DELETE and TRUNCATE on `run_events` whoever issues them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('runs', (table) => {
    table.text('id').primary();
    table.text('tenant_id').notNullable();
    table.text('name');
    table.text('mode').notNullable();
    table.text('status').notNullable();
    table.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    table.jsonb('spec').notNullable();
    table.text('spec_hash').notNullable();
    table.text('idempotency_key');
    table.jsonb('output');
    table.text('current_step');
    table.integer('pending_approvals').notNullable().defaultTo(0);
    table.integer('tool_calls_started').notNullable().defaultTo(0);
    table.integer('tool_calls_succeeded').notNullable().defaultTo(0);
    table.integer('tool_calls_failed').notNullable().defaultTo(0);
    table.jsonb('last_error');
    table.jsonb('created_by');
    table.integer('last_seq').notNullable().defaultTo(0);
    table.text('last_hash');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true });
    table.timestamp('completed_at', { useTz: true });
    table.index(['tenant_id', 'created_at', 'id'], 'runs_tenant_created_idx');
    table.index(['tenant_id', 'status'], 'runs_tenant_status_idx');
  });
  await knex.raw('CREATE INDEX runs_tags_idx ON runs USING gin (tags)');

  await knex.schema.createTable('run_events', (table) => {
    table.bigIncrements('id').primary();
    table.text('tenant_id').notNullable();
    table.text('run_id').notNullable().references('id').inTable('runs');
    table.integer('seq').notNullable();
    table.text('type').notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.jsonb('actor');
    table.jsonb('data').notNullable();
    table.text('dedupe_key').notNullable().unique();
    table.text('prev_hash');
    table.text('hash').notNullable();
    table.unique(['run_id', 'seq']);
    table.check('seq > 0', [], 'run_events_seq_positive');
  });

  await knex.raw(`
    CREATE FUNCTION run_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'run_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER run_events_no_update_delete BEFORE UPDATE OR DELETE ON run_events
      FOR EACH ROW EXECUTE FUNCTION run_events_reject_change();
    CREATE TRIGGER run_events_no_truncate BEFORE TRUNCATE ON run_events
      FOR EACH STATEMENT EXECUTE FUNCTION run_events_reject_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('run_events');
  await knex.raw('DROP FUNCTION IF EXISTS run_events_reject_change()');
  await knex.schema.dropTableIfExists('runs');
}
