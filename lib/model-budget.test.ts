import { checkBudgets, estimateInputTokens } from './model-budget';

describe('model budgets', () => {
  it('estimates a prompt at 4 characters a token, rounded up, plus 4 tokens a message', () => {
    expect(estimateInputTokens([{ role: 'system', content: 'x'.repeat(9) }], [])).toBe(3 + 4);
    const tools = [{ type: 'function' as const, function: { name: 'a', description: 'b', parameters: {} } }];
    expect(estimateInputTokens([], tools)).toBe(Math.ceil(JSON.stringify(tools).length / 4));
  });

  it('caps the output to what every limit leaves, and refuses when a limit leaves nothing', () => {
    const price = { input: 1, output: 2 };
    expect(checkBudgets([], 100)).toEqual({ allowed: true });
    expect(checkBudgets([{ kind: 'tokens', name: 'limits.maxTokens', max: 1000, spent: 300 }], 100)).toEqual({ allowed: true, maxOutputTokens: 600 });
    // 0.001 USD - 0.0002 spent - 100 tokens at 1 USD/M = 0.0007 USD, at 2 USD/M = 350 tokens; the tighter limit wins, and the caller's own cap.
    const both = [
      { kind: 'tokens' as const, name: 'limits.maxTokens', max: 1000, spent: 300 },
      { kind: 'usd' as const, name: 'limits.maxCostUsd', max: 0.001, spent: 0.0002, price },
    ];
    expect(checkBudgets(both, 100)).toEqual({ allowed: true, maxOutputTokens: 350 });
    expect(checkBudgets(both, 100, 50)).toEqual({ allowed: true, maxOutputTokens: 50 });
    expect(checkBudgets([{ kind: 'tokens', name: 'limits.maxTokens', max: 1000, spent: 900 }], 100)).toMatchObject({
      allowed: false,
      limit: 'limits.maxTokens',
      spent: 900,
      estimate: 100,
    });
    expect(checkBudgets([{ kind: 'usd', name: 'budget', max: 1, spent: 0, price: null }], 1)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('no price'),
    });
    // A free model's output is bounded by no cost limit.
    expect(checkBudgets([{ kind: 'usd', name: 'budget', max: 1, spent: 0, price: { input: 0, output: 0 } }], 1)).toEqual({ allowed: true });
  });
});
