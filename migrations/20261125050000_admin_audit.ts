import type { Knex } from 'knex';

/**
 * `admin_audit`: who did which admin action (key created or revoked, run terminated, schedule
 * created or deleted, retention purge), from where, to what. Append-only like `run_events`: a
 * trigger rejects UPDATE, DELETE and TRUNCATE whoever issues them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_audit', (table) => {
    table.bigIncrements('id').primary();
    table.text('tenant_id');
    table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.jsonb('actor').notNullable();
    table.text('ip');
    table.text('action').notNullable();
    table.text('target');
    table.jsonb('details').notNullable().defaultTo('{}');
    table.index(['tenant_id', 'id'], 'admin_audit_tenant_idx');
  });
  await knex.raw(`
    CREATE FUNCTION admin_audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'admin_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER admin_audit_no_update_delete BEFORE UPDATE OR DELETE ON admin_audit
      FOR EACH ROW EXECUTE FUNCTION admin_audit_reject_change();
    CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
      FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_reject_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('admin_audit');
  await knex.raw('DROP FUNCTION IF EXISTS admin_audit_reject_change()');
}
