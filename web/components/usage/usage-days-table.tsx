import { TableHead } from '@/components/ui/table-head';
import type { DailyUsage } from '@/lib/api';
import { costSummary, formatCount } from '@/lib/usage';

/** The tenant's days with model calls, newest first. */
export function UsageDaysTable({ days }: { days: DailyUsage['days'] }) {
  return (
    <div className="card scroll-x">
      <table className="w-full min-w-[44rem] text-sm" aria-label="Model usage per UTC day">
        <TableHead columns={['Day (UTC)', 'Calls', 'Input tokens', 'Of them cached', 'Output tokens', 'Total tokens', 'Cost']} />
        <tbody>
          {[...days].reverse().map((day) => (
            <tr key={day.day} className="border-t border-zinc-200 dark:border-zinc-800" data-day={day.day}>
              <td className="px-3 py-2 font-medium">{day.day}</td>
              <td className="px-3 py-2 tabular-nums">{formatCount(day.modelCalls)}</td>
              <td className="px-3 py-2 tabular-nums">{formatCount(day.inputTokens)}</td>
              <td className="px-3 py-2 tabular-nums">{formatCount(day.cachedInputTokens)}</td>
              <td className="px-3 py-2 tabular-nums">{formatCount(day.outputTokens)}</td>
              <td className="px-3 py-2 tabular-nums">{formatCount(day.totalTokens)}</td>
              <td className="px-3 py-2" data-cost-usd={day.costUsd ?? 'unpriced'}>
                {costSummary(day, day.modelCalls)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
