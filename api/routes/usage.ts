import type { Knex } from 'knex';
import { recordAdminAction } from '../../lib/admin-audit';
import { dailyUsageSchema, tenantBudgetSchema } from '../../lib/api-client/schemas';
import { budgetBody, usageQuery } from '../../lib/rest-schemas';
import { describeBudget, listDailyUsage, setMonthlyBudget, utcDay } from '../../lib/tenant-usage';
import { AppError } from '../../lib/errors';
import { defineRoute } from '../route-contract';

interface UsageDeps {
  db: Knex;
}

const dayMs = 86_400_000;
const maxUsageDays = 366;

/** The days `GET /v1/usage` covers: as asked, `to` defaulting to today and `from` to 29 days before it. */
function usageRange(query: { from?: string; to?: string }, today: Date): { from: string; to: string } {
  const to = query.to ?? utcDay(today);
  const from = query.from ?? utcDay(new Date(Date.parse(to) - 29 * dayMs));
  if (from > to) throw new AppError('validation_failed', 'Invalid query', [{ path: 'from', message: 'must not be after "to"' }]);
  if ((Date.parse(to) - Date.parse(from)) / dayMs >= maxUsageDays) {
    throw new AppError('validation_failed', 'Invalid query', [{ path: 'to', message: `at most ${maxUsageDays} days at once` }]);
  }
  return { from, to };
}

/** The tenant's model usage per day, and its monthly budget (docs/runs.md, "Cost and budgets"). */
export const usageRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/usage',
    operationId: 'getUsage',
    summary: "The tenant's model tokens and cost per UTC day",
    description:
      'Days with no model call are left out. `costUsd` is null on a day with a call of a model that has no price; `pricedCostUsd` sums the priced ones.',
    role: 'viewer',
    query: usageQuery,
    success: { status: 200, description: 'daily totals, oldest first', schema: dailyUsageSchema },
    errors: [400, 401, 403],
    handler: async ({ query, principal }, deps: UsageDeps) => ({ json: await listDailyUsage(deps.db, principal.tenantId, usageRange(query, new Date())) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/budget',
    operationId: 'getBudget',
    summary: "The tenant's monthly model budget and this UTC month's spend",
    role: 'viewer',
    success: { status: 200, description: 'the budget (null: none) and the spend against it', schema: tenantBudgetSchema },
    errors: [401, 403],
    handler: async ({ principal }, deps: UsageDeps) => ({ json: await describeBudget(deps.db, principal.tenantId, new Date()) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/budget',
    operationId: 'setBudget',
    summary: "Set or clear the tenant's monthly model budget (USD)",
    description:
      'A model call that would pass it (this UTC month’s spend plus the call’s estimated prompt) is not made: its run fails with BudgetExceeded. With a budget set, a model with no price cannot be called.',
    role: 'admin',
    body: budgetBody,
    success: { status: 200, description: 'the budget as set, and the spend against it', schema: tenantBudgetSchema },
    errors: [400, 401, 403],
    handler: async ({ body, principal }, deps: UsageDeps) => {
      const at = new Date();
      await deps.db.transaction(async (trx) => {
        await setMonthlyBudget(trx, principal.tenantId, body.monthlyUsd, principal.actor, at);
        await recordAdminAction(trx, {
          tenantId: principal.tenantId,
          actor: principal.actor,
          action: 'budget.updated',
          target: principal.tenantId,
          details: { monthlyUsd: body.monthlyUsd },
        });
      });
      return { json: await describeBudget(deps.db, principal.tenantId, at) };
    },
  }),
];
