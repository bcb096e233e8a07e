import { z } from 'zod';
import { costOf, defaultModelPrices, modelPricesEnv, priceOf } from './model-prices';

const usage = (inputTokens: number, outputTokens: number, cachedInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens,
  totalTokens: inputTokens + outputTokens,
});

describe('model prices', () => {
  it('prices a call at the list price, cached input at the cached rate', () => {
    // gpt-4.1-mini: 0.40 in, 0.10 cached, 1.60 out per 1M tokens.
    expect(costOf(defaultModelPrices, 'openai:gpt-4.1-mini', usage(1_000_000, 1_000_000))).toBe(2);
    expect(costOf(defaultModelPrices, 'openai:gpt-4.1-mini', usage(1_000_000, 0, 500_000))).toBe(0.25);
  });

  it('has no price for an unknown model or a bare id, unless the operator gives one', () => {
    expect(costOf(defaultModelPrices, 'openai:gpt-unknown', usage(10, 10))).toBeNull();
    expect(costOf(defaultModelPrices, 'gpt-4.1-mini', usage(10, 10))).toBeNull();
    const prices = z.object({ P: modelPricesEnv }).parse({ P: '{"compatible:llama": {"input": 0, "output": 0}, "openai:gpt-4o": null}' }).P;
    expect(costOf(prices, 'llama', usage(10, 10))).toBe(0);
    expect(priceOf(prices, 'openai:gpt-4o')).toBeNull();
    expect(priceOf(prices, 'openai:gpt-4.1')).toEqual(defaultModelPrices['openai:gpt-4.1']);
  });

  it('refuses FLIGHTDECK_MODEL_PRICES that is not JSON or not prices', () => {
    const env = z.object({ P: modelPricesEnv });
    expect(env.safeParse({ P: '{' }).success).toBe(false);
    expect(env.safeParse({ P: '{"x": {"input": -1, "output": 1}}' }).success).toBe(false);
    expect(env.safeParse({ P: '{"x": {"input": 1}}' }).success).toBe(false);
    expect(env.parse({})).toEqual({ P: defaultModelPrices });
  });
});
