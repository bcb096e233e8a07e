'use client';

import { TableHead } from '@/components/ui/table-head';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../../../lib/api-client/schemas';
import { LiveIndicator } from '@/components/live/live-indicator';
import { useLiveStream } from '@/components/live/use-live-stream';
import { StatusBadge } from '@/components/ui/status-badge';
import { Timestamp } from '@/components/ui/timestamp';
import type { RunsPageQuery } from '@/lib/runs-filter';

const ROW_HEIGHT = 64;

function liveUrl(query: RunsPageQuery): string {
  const params = new URLSearchParams();
  for (const status of query.status) params.append('status', status);
  for (const tag of query.tag) params.append('tag', tag);
  return `/api/live/runs?${params}`;
}

/** Could this changed run belong on this page? The stream already filtered by status and tags. */
const belongsHere = (run: Run, query: RunsPageQuery) =>
  query.tool === undefined && (query.q === undefined || (run.name ?? '').toLowerCase().includes(query.q.toLowerCase()));

/**
 * The runs of one page, kept current over the live stream: changed runs update in place, new
 * ones appear on top of the first page, and the counts refresh shortly after. Rows are
 * virtualized against the window, so a page of a thousand runs stays quick.
 */
export function RunsLiveTable({ initialRuns, query, firstPage }: { initialRuns: Run[]; query: RunsPageQuery; firstPage: boolean }) {
  const router = useRouter();
  const [liveRuns, setLiveRuns] = useState<Map<string, Run>>(() => new Map());
  const refreshTimer = useRef<number | undefined>(undefined);
  const refreshSoon = useCallback(() => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => router.refresh(), 1_000);
  }, [router]);
  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);

  const live = useLiveStream(liveUrl(query), {
    run: (data) => {
      const run = data as Run;
      setLiveRuns((previous) => new Map(previous).set(run.id, run));
      refreshSoon();
    },
  });
  // Changes made before the subscription was live (page render to subscribe, or during a drop)
  // are not replayed: read the list again each time the stream goes live.
  useEffect(() => {
    if (live.status === 'live') router.refresh();
  }, [live.status, router]);

  const runs = useMemo(() => {
    const newer = (a: Run, b: Run | undefined) => (b !== undefined && b.lastSeq > a.lastSeq ? b : a);
    const shown = initialRuns.map((run) => newer(run, liveRuns.get(run.id)));
    const known = new Set(initialRuns.map((run) => run.id));
    const added = firstPage
      ? [...liveRuns.values()].filter(
          (run) => !known.has(run.id) && belongsHere(run, query) && (query.status.length === 0 || query.status.includes(run.status)),
        )
      : [];
    added.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return [...added, ...shown];
  }, [initialRuns, liveRuns, firstPage, query]);

  const listRef = useRef<HTMLTableSectionElement>(null);
  const virtualizer = useWindowVirtualizer({
    count: runs.length,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    scrollMargin: listRef.current?.offsetTop ?? 0,
    // Rendered on the server too, so the first rows are in the HTML before scripts run.
    initialRect: { width: 1280, height: 1200 },
  });
  const items = virtualizer.getVirtualItems();
  const before = items.length > 0 ? items[0]!.start - virtualizer.options.scrollMargin : 0;
  const after = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  return (
    <div>
      <div className="mb-2 flex items-center justify-between text-sm">
        <span className="muted" data-testid="runs-shown">
          {runs.length} run{runs.length === 1 ? '' : 's'} on this page
        </span>
        <LiveIndicator state={live} />
      </div>
      <div className="card scroll-x">
        <table className="w-full min-w-[44rem] border-collapse text-sm" data-testid="runs-table">
          <TableHead columns={['Run', 'Status', 'Mode', 'Tags', 'Tool calls', 'Created']} />
          <tbody ref={listRef}>
            {before > 0 && <tr aria-hidden style={{ height: before }} />}
            {items.map((item) => {
              const run = runs[item.index]!;
              return (
                <tr
                  key={run.id}
                  data-run-id={run.id}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className="border-t border-zinc-200 align-top dark:border-zinc-800"
                >
                  <td className="max-w-80 px-3 py-2">
                    <Link href={`/runs/${run.id}`} className="link block truncate font-medium">
                      {run.name ?? run.id}
                    </Link>
                    <code className="muted block truncate text-xs">{run.id}</code>
                  </td>
                  <td className="px-3 py-2">
                    <StatusBadge status={run.status} />
                    {run.currentStep && run.status !== 'completed' && <div className="muted mt-0.5 text-xs">step {run.currentStep}</div>}
                  </td>
                  <td className="px-3 py-2">{run.mode}</td>
                  <td className="px-3 py-2">
                    {run.tags.length > 0 ? (
                      <ul className="flex flex-wrap gap-1">
                        {run.tags.map((tag) => (
                          <li key={tag} className="rounded border border-zinc-300 px-1.5 text-xs text-zinc-700 dark:border-zinc-700 dark:text-zinc-300">
                            {tag}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="px-3 py-2 tabular-nums">
                    {run.toolCalls.succeeded}/{run.toolCalls.started}
                    {run.toolCalls.failed > 0 && <span className="ml-1 text-red-700 dark:text-red-400">({run.toolCalls.failed} failed)</span>}
                  </td>
                  <td className="px-3 py-2">
                    <Timestamp iso={run.createdAt} />
                  </td>
                </tr>
              );
            })}
            {after > 0 && <tr aria-hidden style={{ height: after }} />}
          </tbody>
        </table>
      </div>
    </div>
  );
}
