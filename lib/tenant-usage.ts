import type { Knex } from 'knex';
import type { Actor } from './events';
import type { DailyUsage, TenantBudget } from './api-client/schemas';
import { roundUsd } from './model-prices';

/** `tenant_usage_daily` as Postgres holds it (bigint columns read as strings). */
interface UsageDayRow {
  day: string;
  model_calls: number;
  unpriced_calls: number;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  total_tokens: string;
  cost_usd: number;
}

/** `YYYY-MM-DD` of a UTC day. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The first day of `at`'s UTC month. */
const monthStart = (at: Date): string => `${utcDay(at).slice(0, 7)}-01`;

/**
 * A tenant's model usage per UTC day from `from` to `to` (both included), as the trigger on
 * `run_events` counted it (migrations/20261217020000_model_usage.ts).
 */
export async function listDailyUsage(db: Knex, tenantId: string, range: { from: string; to: string }): Promise<DailyUsage> {
  const rows: UsageDayRow[] = await db('tenant_usage_daily')
    .where({ tenant_id: tenantId })
    .andWhere('day', '>=', range.from)
    .andWhere('day', '<=', range.to)
    .orderBy('day', 'asc')
    .select(
      db.raw("to_char(day, 'YYYY-MM-DD') as day"),
      'model_calls',
      'unpriced_calls',
      'input_tokens',
      'output_tokens',
      'cached_input_tokens',
      'total_tokens',
      'cost_usd',
    );
  return {
    ...range,
    days: rows.map((row) => ({
      day: row.day,
      modelCalls: row.model_calls,
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cachedInputTokens: Number(row.cached_input_tokens),
      totalTokens: Number(row.total_tokens),
      costUsd: row.unpriced_calls > 0 ? null : roundUsd(row.cost_usd),
      pricedCostUsd: roundUsd(row.cost_usd),
      unpricedCalls: row.unpriced_calls,
    })),
  };
}

/** What the tenant's priced model calls cost so far in `at`'s UTC month, and how many calls had no price. */
export async function monthToDateSpend(db: Knex, tenantId: string, at: Date): Promise<{ spentUsd: number; unpricedCalls: number }> {
  const row = await db('tenant_usage_daily')
    .where({ tenant_id: tenantId })
    .andWhere('day', '>=', monthStart(at))
    .first(db.raw('coalesce(sum(cost_usd), 0)::double precision as spent'), db.raw('coalesce(sum(unpriced_calls), 0)::integer as unpriced'));
  return { spentUsd: roundUsd(Number(row?.spent ?? 0)), unpricedCalls: Number(row?.unpriced ?? 0) };
}

/** The tenant's monthly budget in USD; null: none set. */
export async function findMonthlyBudget(db: Knex, tenantId: string): Promise<{ monthlyUsd: number | null; updatedAt: Date | null }> {
  const row = await db('tenant_budgets').where({ tenant_id: tenantId }).first('monthly_usd', 'updated_at');
  return { monthlyUsd: row?.monthly_usd ?? null, updatedAt: row?.updated_at ?? null };
}

export async function setMonthlyBudget(db: Knex, tenantId: string, monthlyUsd: number | null, actor: Actor | null, at: Date): Promise<void> {
  await db('tenant_budgets')
    .insert({ tenant_id: tenantId, monthly_usd: monthlyUsd, updated_at: at, updated_by: actor ? JSON.stringify(actor) : null })
    .onConflict('tenant_id')
    .merge();
}

/** The budget as `GET /v1/budget` shows it: set or not, and this month's spend against it. */
export async function describeBudget(db: Knex, tenantId: string, at: Date): Promise<TenantBudget> {
  const [{ monthlyUsd, updatedAt }, { spentUsd, unpricedCalls }] = await Promise.all([findMonthlyBudget(db, tenantId), monthToDateSpend(db, tenantId, at)]);
  return {
    monthlyUsd,
    month: monthStart(at).slice(0, 7),
    spentUsd,
    unpricedCalls,
    remainingUsd: monthlyUsd === null ? null : roundUsd(Math.max(0, monthlyUsd - spentUsd)),
    updatedAt: updatedAt?.toISOString() ?? null,
  };
}
