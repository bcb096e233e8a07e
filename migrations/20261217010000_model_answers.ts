import type { Knex } from 'knex';

/**
 * The text of model answers while they stream (lib/answer-deltas.ts): one row per answer, the
 * attempt writing it and its text so far, for a client that subscribes mid-answer. Not log events:
 * the final answer is `model.called`, and the row goes once that is recorded (or by age).
 * Unlogged: a row lost in a crash only costs a late subscriber the text before its live deltas,
 * and the many small appends skip the WAL. `chunk_start` is where the last write's text begins,
 * so an upsert can tell an append that follows the stored text from one that does not.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE UNLOGGED TABLE model_answers (
      tenant_id text NOT NULL,
      run_id text NOT NULL,
      agent text NOT NULL,
      turn integer NOT NULL,
      attempt integer NOT NULL,
      text text NOT NULL,
      text_length integer NOT NULL,
      chunk_start integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, run_id, agent, turn)
    )
  `);
  await knex.raw('CREATE INDEX model_answers_updated_idx ON model_answers (updated_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('model_answers');
}
