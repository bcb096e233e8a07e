/**
 * Budgets of model calls, checked before each call (docs/runs.md, "Cost and budgets"). Pure and
 * workflow-safe: what was spent and what a call will cost are handed in.
 */
import type { ModelPrice } from './model-prices';
import type { ChatMessage, ModelTool } from './workflow-contract';

/** Tokens a message costs beyond its text (role, separators), roughly as chat formats frame it. */
const perMessageTokens = 4;

/**
 * The prompt's input tokens, estimated before the call: every message's text, tool calls and ids,
 * and the tools' JSON schemas, at 4 characters a token (rounded up), plus 4 tokens a message.
 * Providers' tokenizers differ: 4 characters a token is about right for English prose, while code
 * and non-Latin scripts take more tokens, so a call's real input can exceed the estimate.
 */
export function estimateInputTokens(messages: readonly ChatMessage[], tools: readonly ModelTool[]): number {
  let characters = 0;
  for (const message of messages) {
    characters += (message.content ?? '').length;
    if (message.role === 'assistant' && message.tool_calls) characters += JSON.stringify(message.tool_calls).length;
    if (message.role === 'tool') characters += message.tool_call_id.length;
  }
  if (tools.length > 0) characters += JSON.stringify(tools).length;
  return Math.ceil(characters / 4) + perMessageTokens * messages.length;
}

/** One limit a call is held to: a run's `maxTokens` or `maxCostUsd`, or a tenant's monthly budget. */
export type BudgetLimit =
  { kind: 'tokens'; name: string; max: number; spent: number } | { kind: 'usd'; name: string; max: number; spent: number; price: ModelPrice | null };

/** What the limits leave a call: the most it may write, or why it may not be made. */
export type BudgetVerdict = { allowed: true; maxOutputTokens?: number } | { allowed: false; limit: string; spent: number; estimate: number; message: string };

/**
 * Whether a call whose prompt is estimated at `estimatedInputTokens` fits every limit, and if so
 * the most it may write so that its output cannot pass any of them (`requested`: the caller's own cap).
 * A call refused here is never made: a limit is never passed after the fact.
 */
export function checkBudgets(limits: readonly BudgetLimit[], estimatedInputTokens: number, requested?: number): BudgetVerdict {
  let maxOutputTokens = requested;
  for (const limit of limits) {
    const left = outputTokensLeft(limit, estimatedInputTokens);
    if (left.tokens === null) return refusal(limit, left.estimate, left.why);
    if (left.tokens !== undefined) maxOutputTokens = Math.min(maxOutputTokens ?? left.tokens, left.tokens);
  }
  return maxOutputTokens === undefined ? { allowed: true } : { allowed: true, maxOutputTokens };
}

/** Output tokens `limit` leaves after the estimated prompt; null: none (the call is refused); undefined: no bound. */
function outputTokensLeft(limit: BudgetLimit, estimatedInputTokens: number): { tokens: number | null | undefined; estimate: number; why?: string } {
  if (limit.kind === 'tokens') {
    const tokens = limit.max - limit.spent - estimatedInputTokens;
    return { tokens: tokens >= 1 ? tokens : null, estimate: estimatedInputTokens };
  }
  if (!limit.price) return { tokens: null, estimate: 0, why: 'the model has no price (FLIGHTDECK_MODEL_PRICES), so its cost cannot be held to' };
  const inputUsd = (estimatedInputTokens * limit.price.input) / 1_000_000;
  const leftUsd = limit.max - limit.spent - inputUsd;
  if (leftUsd <= 0) return { tokens: null, estimate: inputUsd };
  if (limit.price.output === 0) return { tokens: undefined, estimate: inputUsd };
  const tokens = Math.floor((leftUsd * 1_000_000) / limit.price.output);
  return { tokens: tokens >= 1 ? tokens : null, estimate: inputUsd };
}

function refusal(limit: BudgetLimit, estimate: number, why?: string): BudgetVerdict {
  const unit = limit.kind === 'tokens' ? ' tokens' : ' USD';
  const amount = (value: number) => (limit.kind === 'tokens' ? String(value) : value.toFixed(6));
  const message = why
    ? `${limit.name} (${amount(limit.max)}${unit}) applies, but ${why}`
    : `${limit.name} (${amount(limit.max)}${unit}) would be passed: ${amount(limit.spent)}${unit} spent, the next call's prompt estimated at ${amount(estimate)}${unit}`;
  return { allowed: false, limit: limit.name, spent: limit.spent, estimate, message };
}
