import type { Knex } from 'knex';

/** The tools a run's spec uses, so the runs list can filter by tool through an index. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (table) => {
    table.specificType('tools', 'text[]').notNullable().defaultTo('{}');
  });
  await knex.raw(`
    UPDATE runs SET tools = ARRAY(
      SELECT DISTINCT value FROM (
        SELECT jsonb_array_elements(spec->'plan'->'steps')->>'tool' AS value
        UNION ALL
        SELECT jsonb_array_elements_text(spec->'agent'->'tools')
      ) used WHERE value IS NOT NULL ORDER BY value)
  `);
  await knex.raw('CREATE INDEX runs_tools_idx ON runs USING gin (tools)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS runs_tools_idx');
  await knex.schema.alterTable('runs', (table) => {
    table.dropColumn('tools');
  });
}
