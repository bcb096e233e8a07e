import Link from 'next/link';
import type { RunCounts } from '@/lib/api';
import { runStatuses, runsHref, type RunsPageQuery } from '@/lib/runs-filter';

/** Runs matching the other filters, by status; each is a link that filters by it. */
export function StatusCounts({ query, counts }: { query: RunsPageQuery; counts: RunCounts }) {
  const chip = 'flex min-w-24 flex-col rounded-lg border px-3 py-2 text-left hover:border-zinc-400 dark:hover:border-zinc-500';
  const selected = 'border-blue-600 ring-1 ring-blue-600 dark:border-sky-400 dark:ring-sky-400';
  const unselected = 'border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900';
  return (
    <nav aria-label="Runs by status" className="scroll-x mb-4 flex gap-2 pb-1" data-testid="status-counts">
      <Link
        href={runsHref(query, { status: [] })}
        aria-current={query.status.length === 0 ? 'true' : undefined}
        className={`${chip} ${query.status.length === 0 ? selected : unselected}`}
      >
        <span className="muted text-xs">All</span>
        <span className="text-lg font-semibold tabular-nums" data-count="all">
          {counts.total}
        </span>
      </Link>
      {runStatuses.map((status) => {
        const isSelected = query.status.length === 1 && query.status[0] === status;
        return (
          <Link
            key={status}
            href={runsHref(query, { status: [status] })}
            aria-current={isSelected ? 'true' : undefined}
            className={`${chip} ${isSelected ? selected : unselected}`}
          >
            <span className="muted whitespace-nowrap text-xs">{status.replaceAll('_', ' ')}</span>
            <span className="text-lg font-semibold tabular-nums" data-count={status}>
              {counts.counts[status] ?? 0}
            </span>
          </Link>
        );
      })}
    </nav>
  );
}
