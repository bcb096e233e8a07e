import type { Knex } from 'knex';

/**
 * Per-key token buckets shared by every API instance (api/rate-limiter.ts): one row per tenant and
 * key, refilled and drawn from in one statement (`granted`: the tokens the last statement handed
 * out), so N instances together give a key its budget once, not N times. Unlogged: a bucket lost in a crash refills to full, which is what an idle key
 * has anyway, and its many small updates skip the WAL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE UNLOGGED TABLE rate_limit_buckets (
      bucket text PRIMARY KEY,
      tokens double precision NOT NULL,
      granted double precision NOT NULL,
      updated_at timestamptz NOT NULL
    )
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_buckets');
}
