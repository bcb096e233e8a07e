import type { Knex } from 'knex';

/**
 * Model usage and budgets (docs/runs.md, "Cost and budgets"):
 * - `runs` carries each run's tokens and cost, a projection of its `model.called` events;
 * - `tenant_usage_daily` sums a tenant's `model.called` events per UTC day. A trigger on
 *   `run_events` adds each one as it is inserted, in the inserting transaction, so the totals count
 *   every stored call exactly once (a retried append stores nothing, its dedupe key is taken), and
 *   a purged run's spending stays counted (the trigger fires on INSERT only);
 * - `tenant_budgets` holds a tenant's monthly budget in USD (`PUT /v1/budget`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('runs', (table) => {
    table.bigInteger('usage_input_tokens').notNullable().defaultTo(0);
    table.bigInteger('usage_output_tokens').notNullable().defaultTo(0);
    table.bigInteger('usage_cached_input_tokens').notNullable().defaultTo(0);
    table.bigInteger('usage_total_tokens').notNullable().defaultTo(0);
    table.double('usage_cost_usd').notNullable().defaultTo(0);
    table.integer('usage_unpriced_calls').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('tenant_usage_daily', (table) => {
    table.text('tenant_id').notNullable();
    table.date('day').notNullable();
    table.integer('model_calls').notNullable();
    table.integer('unpriced_calls').notNullable();
    table.bigInteger('input_tokens').notNullable();
    table.bigInteger('output_tokens').notNullable();
    table.bigInteger('cached_input_tokens').notNullable();
    table.bigInteger('total_tokens').notNullable();
    table.double('cost_usd').notNullable();
    table.primary(['tenant_id', 'day']);
  });
  await knex.schema.createTable('tenant_budgets', (table) => {
    table.text('tenant_id').primary();
    table.double('monthly_usd');
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.jsonb('updated_by');
  });
  await knex.raw(`
    CREATE FUNCTION flightdeck_count_model_usage() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      usage jsonb := NEW.data -> 'usage';
      cost jsonb := NEW.data -> 'costUsd';
      priced boolean := cost IS NOT NULL AND jsonb_typeof(cost) = 'number';
    BEGIN
      INSERT INTO tenant_usage_daily AS d
        (tenant_id, day, model_calls, unpriced_calls, input_tokens, output_tokens, cached_input_tokens, total_tokens, cost_usd)
      VALUES (
        NEW.tenant_id,
        (NEW.at AT TIME ZONE 'UTC')::date,
        1,
        CASE WHEN priced THEN 0 ELSE 1 END,
        COALESCE((usage ->> 'inputTokens')::bigint, (usage ->> 'promptTokens')::bigint, 0),
        COALESCE((usage ->> 'outputTokens')::bigint, (usage ->> 'completionTokens')::bigint, 0),
        COALESCE((usage ->> 'cachedInputTokens')::bigint, 0),
        COALESCE((usage ->> 'totalTokens')::bigint, 0),
        CASE WHEN priced THEN (cost #>> '{}')::double precision ELSE 0 END
      )
      ON CONFLICT (tenant_id, day) DO UPDATE SET
        model_calls = d.model_calls + EXCLUDED.model_calls,
        unpriced_calls = d.unpriced_calls + EXCLUDED.unpriced_calls,
        input_tokens = d.input_tokens + EXCLUDED.input_tokens,
        output_tokens = d.output_tokens + EXCLUDED.output_tokens,
        cached_input_tokens = d.cached_input_tokens + EXCLUDED.cached_input_tokens,
        total_tokens = d.total_tokens + EXCLUDED.total_tokens,
        cost_usd = d.cost_usd + EXCLUDED.cost_usd;
      RETURN NULL;
    END;
    $$;
    CREATE TRIGGER run_events_model_usage AFTER INSERT ON run_events
      FOR EACH ROW WHEN (NEW.type = 'model.called') EXECUTE FUNCTION flightdeck_count_model_usage();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER run_events_model_usage ON run_events; DROP FUNCTION flightdeck_count_model_usage();');
  await knex.schema.dropTable('tenant_budgets');
  await knex.schema.dropTable('tenant_usage_daily');
  await knex.schema.alterTable('runs', (table) => {
    for (const column of [
      'usage_input_tokens',
      'usage_output_tokens',
      'usage_cached_input_tokens',
      'usage_total_tokens',
      'usage_cost_usd',
      'usage_unpriced_calls',
    ]) {
      table.dropColumn(column);
    }
  });
}
