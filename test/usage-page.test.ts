/** The dashboard's model usage: how tokens and cost read (run facts, timeline, Usage page) and the budget form's check. */
import { budgetForm, budgetFormErrors } from '../web/lib/budget-form';
import { costSummary, formatUsd, periodTotals, tokensSummary } from '../web/lib/usage';

const day = (date: string, calls: number, pricedCostUsd: number, unpricedCalls = 0) => ({
  day: date,
  modelCalls: calls,
  inputTokens: 1000 * calls,
  outputTokens: 500 * calls,
  cachedInputTokens: 200 * calls,
  totalTokens: 1500 * calls,
  costUsd: unpricedCalls > 0 ? null : pricedCostUsd,
  pricedCostUsd,
  unpricedCalls,
});

describe('model usage in the dashboard (web/lib/usage.ts)', () => {
  it('shows USD in cents from a dollar up and to a millionth below, never rounding a cost to nothing', () => {
    expect(formatUsd(12.5)).toBe('$12.50');
    expect(formatUsd(1234.567)).toBe('$1,234.57');
    expect(formatUsd(0.0068)).toBe('$0.0068');
    expect(formatUsd(0.000025)).toBe('$0.000025');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.0000004)).toBe('< $0.000001');
  });

  it('reads tokens with the cached part of the input, and a cost only when every call had a price', () => {
    expect(tokensSummary({ inputTokens: 1200, outputTokens: 500, cachedInputTokens: 200 })).toBe('1,200 in (200 cached), 500 out');
    expect(tokensSummary({ inputTokens: 11, outputTokens: 7, cachedInputTokens: 0 })).toBe('11 in, 7 out');
    expect(costSummary({ costUsd: 0.0068, pricedCostUsd: 0.0068, unpricedCalls: 0 }, 2)).toBe('$0.0068');
    expect(costSummary({ costUsd: null, pricedCostUsd: 0, unpricedCalls: 1 }, 1)).toBe('unpriced: the call had no price');
    expect(costSummary({ costUsd: null, pricedCostUsd: 0, unpricedCalls: 3 }, 3)).toBe('unpriced: all 3 calls had no price');
    expect(costSummary({ costUsd: null, pricedCostUsd: 0.0068, unpricedCalls: 1 }, 3)).toBe(
      'unpriced: 1 of 3 calls had no price (the priced ones cost $0.0068)',
    );
  });

  it("sums a period's days; one unpriced call anywhere leaves the period without a cost", () => {
    expect(periodTotals([])).toEqual({
      modelCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      totalTokens: 0,
      costUsd: 0,
      pricedCostUsd: 0,
      unpricedCalls: 0,
    });
    const priced = periodTotals([day('2026-12-01', 2, 0.1), day('2026-12-02', 1, 0.2)]);
    expect(priced).toEqual({
      modelCalls: 3,
      inputTokens: 3000,
      outputTokens: 1500,
      cachedInputTokens: 600,
      totalTokens: 4500,
      // 0.1 + 0.2 in floating point is 0.30000000000000004.
      costUsd: 0.3,
      pricedCostUsd: 0.3,
      unpricedCalls: 0,
    });
    expect(periodTotals([day('2026-12-01', 2, 0.1), day('2026-12-02', 2, 0.2, 1)])).toMatchObject({ costUsd: null, pricedCostUsd: 0.3, unpricedCalls: 1 });
  });
});

describe('the monthly budget form (web/lib/budget-form.ts)', () => {
  const errorsOf = (form: Record<string, string>) => {
    const checked = budgetForm.safeParse(form);
    return checked.success ? null : budgetFormErrors(checked.error);
  };

  it('reads Set with an amount, and Clear, as the body of PUT /v1/budget', () => {
    expect(budgetForm.parse({ intent: 'set', monthlyUsd: ' 12.50 ' })).toEqual({ monthlyUsd: 12.5 });
    expect(budgetForm.parse({ intent: 'clear', monthlyUsd: 'whatever was typed' })).toEqual({ monthlyUsd: null });
  });

  it('puts what is wrong at the amount: missing, not a number, zero, past the API maximum', () => {
    expect(errorsOf({ intent: 'set', monthlyUsd: '' })).toEqual({ monthlyUsd: ['give an amount in USD, or clear the budget'] });
    expect(errorsOf({ intent: 'set', monthlyUsd: '$50' })).toEqual({ monthlyUsd: ['a number of US dollars, like 50 or 12.50'] });
    expect(errorsOf({ intent: 'set', monthlyUsd: '0' })).toEqual({ monthlyUsd: [expect.any(String)] });
    expect(errorsOf({ intent: 'set', monthlyUsd: '10000001' })).toEqual({ monthlyUsd: [expect.any(String)] });
    expect(errorsOf({ monthlyUsd: '5' })).toEqual({ intent: [expect.any(String)] });
  });
});
