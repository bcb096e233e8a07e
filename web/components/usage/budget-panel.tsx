import type { TenantBudget } from '@/lib/api';
import { formatCount, formatUsd } from '@/lib/usage';
import { Timestamp } from '@/components/ui/timestamp';
import { BudgetForm } from './budget-form';

/** The tenant's monthly budget and this UTC month's spend against it; admins also get the form that sets it. */
export function BudgetPanel({ budget, canEdit }: { budget: TenantBudget; canEdit: boolean }) {
  const { monthlyUsd, remainingUsd, spentUsd, unpricedCalls } = budget;
  return (
    <section aria-labelledby="budget-heading" className="card p-4" data-testid="budget" data-monthly-usd={monthlyUsd ?? 'none'}>
      <h2 id="budget-heading" className="font-semibold">
        Monthly budget, {budget.month}
      </h2>
      <dl className="mt-2 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="muted">Budget</dt>
        <dd data-testid="budget-limit">{monthlyUsd === null ? 'none set' : formatUsd(monthlyUsd)}</dd>
        <dt className="muted">Spent this month</dt>
        <dd data-testid="budget-spent">
          {formatUsd(spentUsd)}
          {unpricedCalls > 0 && <span className="muted"> and {unpricedCalls === 1 ? '1 call' : `${formatCount(unpricedCalls)} calls`} with no price</span>}
        </dd>
        <dt className="muted">Remaining</dt>
        <dd data-testid="budget-remaining">{remainingUsd === null ? '—' : formatUsd(remainingUsd)}</dd>
        {budget.updatedAt && (
          <>
            <dt className="muted">Last changed</dt>
            <dd>
              <Timestamp iso={budget.updatedAt} />
            </dd>
          </>
        )}
      </dl>
      {monthlyUsd !== null && (
        <meter
          className="mt-3 block h-2 w-full"
          min={0}
          max={monthlyUsd}
          value={Math.min(spentUsd, monthlyUsd)}
          aria-label={`Spent of the monthly budget, ${budget.month}`}
        />
      )}
      {canEdit ? <BudgetForm monthlyUsd={monthlyUsd} /> : <p className="muted mt-3 text-xs">An admin sets the budget.</p>}
    </section>
  );
}
