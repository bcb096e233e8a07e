import Link from 'next/link';
import { RunsFilters } from '@/components/runs/runs-filters';
import { RunsLiveTable } from '@/components/runs/runs-live-table';
import { StatusCounts } from '@/components/runs/status-counts';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { EmptyState, PageHeader } from '@/components/ui/page-header';
import { RunsPageQuery, runsHref } from '@/lib/runs-filter';
import { requireSession } from '@/lib/session';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 100;

export default async function RunsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = RunsPageQuery.parse(await searchParams);
  const session = await requireSession();
  const filter = { tag: query.tag.length ? query.tag : undefined, tool: query.tool, q: query.q };
  let loaded;
  try {
    const [runList, counts, tools] = await Promise.all([
      session.client.listRuns({ ...filter, status: query.status.length ? query.status : undefined, cursor: query.cursor, limit: PAGE_SIZE }),
      session.client.countRuns(filter),
      session.client.listTools(),
    ]);
    loaded = { runList, counts, tools };
  } catch (error) {
    return (
      <>
        <PageHeader title="Runs" />
        <ApiErrorNotice error={error} what="runs" />
      </>
    );
  }
  const { runList, counts, tools } = loaded;
  const filtered = query.status.length > 0 || query.tag.length > 0 || query.tool !== undefined || query.q !== undefined;
  const canStart = session.can('operator');

  return (
    <>
      <PageHeader
        title="Runs"
        description="Every run of your tenant, newest first. Updates arrive live."
        actions={
          canStart && (
            <Link href="/runs/new" className="btn btn-primary">
              Start a run
            </Link>
          )
        }
      />
      <StatusCounts query={query} counts={counts} />
      <RunsFilters query={query} toolNames={tools.map((tool) => tool.name)} />
      {runList.runs.length === 0 && query.cursor === undefined ? (
        filtered ? (
          <EmptyState title="No runs match these filters">
            <p>
              Loosen a filter, or{' '}
              <Link className="link" href="/">
                clear them all
              </Link>
              .
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No runs yet">
            <p>
              {canStart ? (
                <>
                  <Link className="link" href="/runs/new">
                    Start a run
                  </Link>{' '}
                  from a template, or{' '}
                </>
              ) : (
                'Ask an operator to start one, or '
              )}
              use <code>npx flightdeck runs start --plan-echo hello</code>. It shows up here at once.
            </p>
          </EmptyState>
        )
      ) : (
        <RunsLiveTable key={runsHref(query, { cursor: query.cursor })} initialRuns={runList.runs} query={query} firstPage={query.cursor === undefined} />
      )}
      <nav aria-label="Pages" className="mt-4 flex justify-end gap-4 text-sm">
        {query.cursor !== undefined && (
          <Link className="link" href={runsHref(query, {})}>
            ← Newest runs
          </Link>
        )}
        {runList.nextCursor !== null && (
          <Link className="link" href={runsHref(query, { cursor: runList.nextCursor })}>
            Older runs →
          </Link>
        )}
      </nav>
    </>
  );
}
