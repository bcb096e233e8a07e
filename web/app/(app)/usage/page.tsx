import type { Metadata } from 'next';
import { BudgetPanel } from '@/components/usage/budget-panel';
import { UsageDaysTable } from '@/components/usage/usage-days-table';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { EmptyState, PageHeader } from '@/components/ui/page-header';
import type { DailyUsage, TenantBudget } from '@/lib/api';
import { requireSession } from '@/lib/session';
import { costSummary, formatCount, periodTotals, tokensSummary } from '@/lib/usage';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Usage' };

export default async function UsagePage() {
  const session = await requireSession();
  let usage: DailyUsage;
  let budget: TenantBudget;
  try {
    // The API's default range: the 30 UTC days up to today.
    [usage, budget] = await Promise.all([session.client.getUsage(), session.client.getBudget()]);
  } catch (error) {
    return (
      <>
        <PageHeader title="Usage" />
        <ApiErrorNotice error={error} what="model usage" />
      </>
    );
  }
  const totals = periodTotals(usage.days);
  return (
    <>
      <PageHeader
        title="Usage"
        description={`Model tokens and cost of tenant ${session.principal.tenantId}'s runs, per UTC day. Costs are at the worker's model prices; a model with no price has no cost, never a guess.`}
      />
      <div className="space-y-6">
        <BudgetPanel budget={budget} canEdit={session.can('admin')} />
        <section aria-labelledby="period-heading" className="card p-4" data-testid="period-totals">
          <h2 id="period-heading" className="font-semibold">
            {usage.from} to {usage.to}
          </h2>
          <dl className="mt-2 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
            <dt className="muted">Model calls</dt>
            <dd>{formatCount(totals.modelCalls)}</dd>
            <dt className="muted">Tokens</dt>
            <dd>
              {formatCount(totals.totalTokens)}: {tokensSummary(totals)}
            </dd>
            <dt className="muted">Cost</dt>
            <dd data-testid="period-cost">{costSummary(totals, totals.modelCalls)}</dd>
          </dl>
        </section>
        {usage.days.length === 0 ? (
          <EmptyState title="No model calls in these days">
            <p>Agent runs and definitions&apos; ctx.agent calls count here once they call a model.</p>
          </EmptyState>
        ) : (
          <UsageDaysTable days={usage.days} />
        )}
      </div>
    </>
  );
}
