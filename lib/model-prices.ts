import { z } from 'zod';
import { jsonEnv } from './json-env';
import type { ModelUsage } from './workflow-contract';

/** A model's price in USD per million tokens; `cachedInput` is what a prompt-cache read costs (default: `input`). */
export const modelPriceSchema = z
  .object({
    input: z.number().min(0),
    cachedInput: z.number().min(0).optional(),
    output: z.number().min(0),
  })
  .strict();
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** Prices by model id as run specs write it (`openai:gpt-4.1-mini`); null: the model has no price. */
export type ModelPrices = Readonly<Record<string, ModelPrice | null>>;

/**
 * List prices (USD per 1M tokens, standard tier, no batch or volume discounts) from the providers'
 * pricing pages — openai.com/api/pricing, docs.claude.com/en/docs/about-claude/pricing,
 * ai.google.dev/gemini-api/docs/pricing — as published in late 2025. They are list prices, not
 * what an account with a negotiated rate pays, and they change: FLIGHTDECK_MODEL_PRICES overrides
 * them. Anthropic's cache writes (1.25× input) and Gemini's long-prompt tier are not modelled.
 * Bare ids (the OpenAI-compatible server at MODEL_BASE_URL) have no default price: that server
 * could be anything, and a cost is never a guess.
 */
export const defaultModelPrices: ModelPrices = {
  'openai:gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'openai:gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'openai:gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'openai:gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'anthropic:claude-opus-4-1': { input: 15, cachedInput: 1.5, output: 75 },
  'anthropic:claude-sonnet-4-5': { input: 3, cachedInput: 0.3, output: 15 },
  'anthropic:claude-haiku-4-5': { input: 1, cachedInput: 0.1, output: 5 },
  'google:gemini-2.5-pro': { input: 1.25, cachedInput: 0.31, output: 10 },
  'google:gemini-2.5-flash': { input: 0.3, cachedInput: 0.075, output: 2.5 },
};

/**
 * FLIGHTDECK_MODEL_PRICES: a JSON object of prices by model id, merged over the defaults
 * (`{"compatible:llama-3.1-8b": {"input": 0, "output": 0}}`); a model set to null has no price.
 */
export const modelPricesEnv = jsonEnv(z.record(z.string().min(1), modelPriceSchema.nullable()), {})
  .transform((overrides): ModelPrices => ({ ...defaultModelPrices, ...overrides }))
  .describe(
    'JSON object of model prices in USD per 1M tokens, `{"<provider>:<model>": {"input", "cachedInput"?, "output"} | null}`, merged over the built-in list prices (lib/model-prices.ts); null removes a price.',
  );

/** A model's price: by its id as written, a bare id also as `compatible:<id>` (the same server). */
export function priceOf(prices: ModelPrices, model: string): ModelPrice | null {
  return prices[model] ?? (model.includes(':') ? null : (prices[`compatible:${model}`] ?? null));
}

/** What a call cost in USD, cached input at the cached rate; null for a model with no price (never a guess). */
export function costOf(prices: ModelPrices, model: string, usage: ModelUsage): number | null {
  const price = priceOf(prices, model);
  if (!price) return null;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const micro = (usage.inputTokens - cached) * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output;
  return roundUsd(micro / 1_000_000);
}

/** Cost sums in floating point; 1e-9 USD is far below any price's precision. */
export const roundUsd = (usd: number): number => Math.round(usd * 1e9) / 1e9;
