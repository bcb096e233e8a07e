import type { Metadata } from 'next';
import { ConnectForm } from '@/components/connections/connect-form';
import { ConnectionsTable } from '@/components/connections/connections-table';
import { ResumeRunsButton } from '@/components/connections/resume-runs-button';
import { EmptyState, Notice, PageHeader } from '@/components/ui/page-header';
import { ConnectionsPageQuery, loadConnections } from '@/lib/connections';
import { requireSession } from '@/lib/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Connections' };

export default async function ConnectionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  const { userId, status: callbackStatus } = ConnectionsPageQuery.parse(await searchParams);
  const result = userId ? await loadConnections(session.client, userId) : null;

  return (
    <>
      <PageHeader title="Connections" description="Composio accounts per user: the accounts a run's Composio tools act with (the run spec's userId)." />
      <form method="get" role="search" aria-label="Find a user's connections" className="card mb-4 flex flex-wrap items-end gap-2 p-3">
        <div className="min-w-60 flex-1">
          <label htmlFor="connections-user" className="label">
            User id
          </label>
          <input id="connections-user" name="userId" defaultValue={userId} required className="input" placeholder="e.g. composio-user" />
        </div>
        <button type="submit" className="btn btn-primary">
          Show connections
        </button>
      </form>
      {result === null && (
        <EmptyState title="Choose a user">
          <p>
            Enter the user id your runs pass as <code>userId</code> to see their connected accounts and connect new ones.
          </p>
        </EmptyState>
      )}
      {result?.kind === 'composio_off' && (
        <Notice tone="info" title="Composio is not configured on the API">
          <p>
            <code>COMPOSIO_API_KEY</code> is not set on the API (it answered 409), so it has no Composio connections to show or start. Set it (and restart the
            API) to manage connected accounts here.
          </p>
        </Notice>
      )}
      {result?.kind === 'error' && (
        <Notice title="Could not load connections">
          <p>
            <code>{result.code}</code> {result.message}
          </p>
        </Notice>
      )}
      {result?.kind === 'ok' && (
        <div className="space-y-4">
          {callbackStatus && (
            <Notice
              tone={callbackStatus === 'success' ? 'info' : 'danger'}
              title={callbackStatus === 'success' ? 'Back from Composio: connected' : `Back from Composio: ${callbackStatus}`}
            />
          )}
          {result.connections.length === 0 ? (
            <EmptyState title={`No connections for ${userId}`}>
              <p>Connect an account below; you will be sent to the provider to grant access, then come back here.</p>
            </EmptyState>
          ) : (
            <ConnectionsTable connections={result.connections} />
          )}
          {session.can('operator') && (
            <>
              <ResumeRunsButton userId={userId} />
              <ConnectForm userId={userId} />
            </>
          )}
        </div>
      )}
    </>
  );
}
