import { ApiErrorNotice, ApiUnreachableNotice } from '@/components/api-notices';
import { AutoRefresh } from '@/components/auto-refresh';
import { RunsOverview } from '@/components/runs/runs-overview';
import { FlightdeckApiError, FlightdeckUnreachableError, listRuns, type RunList } from '@/lib/api';
import { getServerEnv } from '@/lib/env';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

type RunsResult =
  | { kind: 'ok'; runList: RunList }
  | { kind: 'unreachable'; apiUrl: string }
  | { kind: 'api_error'; code: string; message: string };

// Expected failures become page states (and keep auto-refreshing); anything else goes to error.tsx.
async function loadRuns(cursor: string | undefined): Promise<RunsResult> {
  try {
    return { kind: 'ok', runList: await listRuns({ limit: PAGE_SIZE, cursor }) };
  } catch (error) {
    if (error instanceof FlightdeckUnreachableError) return { kind: 'unreachable', apiUrl: error.url };
    if (error instanceof FlightdeckApiError) return { kind: 'api_error', code: error.code, message: error.message };
    throw error;
  }
}

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { cursor } = await searchParams;
  const pageCursor = typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
  const env = getServerEnv();
  const result = await loadRuns(pageCursor);

  return (
    <>
      <AutoRefresh />
      <div className="page-heading">
        <h1>Runs</h1>
        <a href={env.TEMPORAL_UI_URL} target="_blank" rel="noreferrer">
          Temporal UI ↗
        </a>
      </div>

      {result.kind === 'unreachable' && <ApiUnreachableNotice apiUrl={result.apiUrl} />}
      {result.kind === 'api_error' && <ApiErrorNotice code={result.code} message={result.message} />}
      {result.kind === 'ok' && (
        <RunsOverview runList={result.runList} pageCursor={pageCursor} apiUrl={env.FLIGHTDECK_API_URL} />
      )}
    </>
  );
}
