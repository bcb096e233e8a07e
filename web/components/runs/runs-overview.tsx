import Link from 'next/link';
import type { RunList } from '@/lib/api';
import { RunsEmptyState } from './runs-empty-state';
import { RunsTable } from './runs-table';

type RunsOverviewProps = {
  runList: RunList;
  /** The cursor of the page shown; undefined on the first (newest) page. */
  pageCursor: string | undefined;
  apiUrl: string;
};

export function RunsOverview({ runList, pageCursor, apiUrl }: RunsOverviewProps) {
  const isFirstPage = pageCursor === undefined;
  if (runList.runs.length === 0 && isFirstPage) return <RunsEmptyState apiUrl={apiUrl} />;

  return (
    <>
      {runList.runs.length > 0 ? (
        <RunsTable runs={runList.runs} now={new Date()} />
      ) : (
        <p className="muted">No older runs.</p>
      )}
      <nav aria-label="Pagination" className="pagination">
        {!isFirstPage && <Link href="/">← Newest runs</Link>}
        {runList.nextCursor !== null && (
          <Link href={{ pathname: '/', query: { cursor: runList.nextCursor } }}>Older runs →</Link>
        )}
      </nav>
    </>
  );
}
