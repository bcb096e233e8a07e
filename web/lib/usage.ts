import type { DailyUsage, UsageTotals } from '../../lib/api-client/schemas';

type UsageDay = DailyUsage['days'][number];
/** A period's model usage: its days' totals together. */
export type PeriodUsage = Omit<UsageDay, 'day'>;

const usdCents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
// A model call costs fractions of a cent: below a dollar, show up to a millionth.
const usdFraction = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });
const count = new Intl.NumberFormat('en-US');

/** USD as the dashboard shows it: cents from a dollar up, down to a millionth below (`$0.0068`). */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.000001) return '< $0.000001';
  return (Math.abs(usd) >= 1 ? usdCents : usdFraction).format(usd);
}

export const formatCount = (value: number): string => count.format(value);

const plural = (value: number, one: string, many = `${one}s`) => `${formatCount(value)} ${value === 1 ? one : many}`;

/** `1,200 in (200 cached), 500 out`: cached input tokens are part of the input. */
export function tokensSummary(usage: Pick<UsageTotals, 'inputTokens' | 'outputTokens' | 'cachedInputTokens'>): string {
  const cached = usage.cachedInputTokens > 0 ? ` (${formatCount(usage.cachedInputTokens)} cached)` : '';
  return `${formatCount(usage.inputTokens)} in${cached}, ${formatCount(usage.outputTokens)} out`;
}

/**
 * What `modelCalls` calls cost: the sum when every call had a price; otherwise no sum (it would be
 * a guess), how many had none, and what the priced ones cost.
 */
export function costSummary(usage: Pick<UsageTotals, 'costUsd' | 'pricedCostUsd' | 'unpricedCalls'>, modelCalls: number): string {
  if (usage.costUsd !== null) return formatUsd(usage.costUsd);
  if (usage.unpricedCalls >= modelCalls) return `unpriced: ${modelCalls === 1 ? 'the call' : `all ${plural(modelCalls, 'call')}`} had no price`;
  return `unpriced: ${formatCount(usage.unpricedCalls)} of ${plural(modelCalls, 'call')} had no price (the priced ones cost ${formatUsd(usage.pricedCostUsd)})`;
}

/** Sums of USD in floating point, rounded as the API rounds them (1e-9 USD is below any price's precision). */
const roundUsd = (usd: number): number => Math.round(usd * 1e9) / 1e9;

/** The days' totals together; the cost is null when any call of any day had no price. */
export function periodTotals(days: readonly UsageDay[]): PeriodUsage {
  const total: PeriodUsage = {
    modelCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    totalTokens: 0,
    costUsd: null,
    pricedCostUsd: 0,
    unpricedCalls: 0,
  };
  for (const day of days) {
    total.modelCalls += day.modelCalls;
    total.inputTokens += day.inputTokens;
    total.outputTokens += day.outputTokens;
    total.cachedInputTokens += day.cachedInputTokens;
    total.totalTokens += day.totalTokens;
    total.pricedCostUsd = roundUsd(total.pricedCostUsd + day.pricedCostUsd);
    total.unpricedCalls += day.unpricedCalls;
  }
  total.costUsd = total.unpricedCalls > 0 ? null : total.pricedCostUsd;
  return total;
}
