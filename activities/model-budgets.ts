import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../lib/failure-types';
import { checkBudgets, estimateInputTokens, type BudgetLimit } from '../lib/model-budget';
import { priceOf, type ModelPrices } from '../lib/model-prices';
import { findRun } from '../lib/runs-store';
import { findMonthlyBudget, monthToDateSpend } from '../lib/tenant-usage';
import type { CallModelInput } from '../lib/workflow-contract';

export interface ModelBudgetDeps {
  db: Knex;
  prices: ModelPrices;
  now?: () => Date;
}

/** `details[0]` of a BudgetExceeded failure. */
export interface BudgetExceededDetails {
  limit: string;
  spent: number;
  estimate: number;
}

/**
 * The call as it may be made under the run's `limits.maxTokens` / `limits.maxCostUsd` and the
 * tenant's monthly budget: with `maxOutputTokens` capped to what they leave after the prompt's
 * estimate, or refused (BudgetExceeded, not retried) before any request leaves. What was spent is
 * read from Postgres: the run's projection and the tenant's daily totals, which the previous
 * turn's `model.called` updated before the workflow scheduled this call. This holds across
 * continue-as-new and every `ctx.agent` call of a definition, and adds no workflow command.
 */
export async function withinModelBudgets({ db, prices, now = () => new Date() }: ModelBudgetDeps, input: CallModelInput): Promise<CallModelInput> {
  const [run, budget] = await Promise.all([findRun(db, input.tenantId, input.runId), findMonthlyBudget(db, input.tenantId)]);
  const price = priceOf(prices, input.model);
  const limits: BudgetLimit[] = [];
  const runLimits = run?.spec.limits;
  if (run && runLimits?.maxTokens !== undefined)
    limits.push({ kind: 'tokens', name: 'limits.maxTokens', max: runLimits.maxTokens, spent: run.usage.totalTokens });
  if (run && runLimits?.maxCostUsd !== undefined)
    limits.push({ kind: 'usd', name: 'limits.maxCostUsd', max: runLimits.maxCostUsd, spent: run.usage.costUsd, price });
  if (budget.monthlyUsd !== null) {
    const { spentUsd } = await monthToDateSpend(db, input.tenantId, now());
    limits.push({ kind: 'usd', name: "the tenant's monthly budget", max: budget.monthlyUsd, spent: spentUsd, price });
  }
  if (limits.length === 0) return input;
  const verdict = checkBudgets(limits, estimateInputTokens(input.messages, input.tools), input.maxOutputTokens);
  if (!verdict.allowed) {
    const details: BudgetExceededDetails = { limit: verdict.limit, spent: verdict.spent, estimate: verdict.estimate };
    throw ApplicationFailure.create({ type: FailureType.BudgetExceeded, message: verdict.message, details: [details], nonRetryable: true });
  }
  return verdict.maxOutputTokens === undefined ? input : { ...input, maxOutputTokens: verdict.maxOutputTokens };
}
