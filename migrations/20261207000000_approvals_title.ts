import type { Knex } from 'knex';

/**
 * Approvals without a tool: a definition's `ctx.approval({ title, data })` gates the run itself, so
 * its row has a title and no tool. Tool gates keep their tool and have no title.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('approvals', (table) => {
    table.text('title');
    table.text('tool').nullable().alter();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('approvals').whereNull('tool').update({ tool: '' });
  await knex.schema.alterTable('approvals', (table) => {
    table.dropColumn('title');
    table.text('tool').notNullable().alter();
  });
}
