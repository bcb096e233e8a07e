import type { ModelUsage } from './workflow-contract';

/** Usage as model calls recorded it before `ModelUsage` (activity results and `model.called` events of older histories). */
interface LegacyUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export const noUsage = (): ModelUsage => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, totalTokens: 0 });

/** Whether `value` is a usage in the older shape. */
export const isLegacyUsage = (value: unknown): value is LegacyUsage =>
  value !== null && typeof value === 'object' && 'promptTokens' in value && !('inputTokens' in value);

/** A recorded usage in today's shape, whichever shape it was recorded in. Workflow-safe (pure). */
export function usageOf(recorded: ModelUsage | LegacyUsage): ModelUsage {
  if (!isLegacyUsage(recorded)) return { ...noUsage(), ...recorded };
  return { inputTokens: recorded.promptTokens, outputTokens: recorded.completionTokens, cachedInputTokens: 0, totalTokens: recorded.totalTokens };
}

/** Adds `more` into `total`. */
export function addUsage(total: ModelUsage, more: ModelUsage): void {
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
  total.cachedInputTokens += more.cachedInputTokens;
  total.totalTokens += more.totalTokens;
}
