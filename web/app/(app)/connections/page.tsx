import { TableHead } from '@/components/ui/table-head';
import type { Metadata } from 'next';
import { ConnectForm } from '@/components/connections/connect-form';
import { EmptyState, Notice, PageHeader } from '@/components/ui/page-header';
import { StatusBadge } from '@/components/ui/status-badge';
import { Timestamp } from '@/components/ui/timestamp';
import { listConnections } from '@/lib/connections';
import { requireSession, sessionKey } from '@/lib/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Connections' };

export default async function ConnectionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  const { userId: rawUserId } = await searchParams;
  const userId = typeof rawUserId === 'string' ? rawUserId.trim().slice(0, 200) : '';
  const result = userId ? await listConnections((await sessionKey())!, userId) : null;

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
          <p>Enter the user id your runs pass as <code>userId</code> to see their connected accounts and connect new ones.</p>
        </EmptyState>
      )}
      {result?.kind === 'not_available' && (
        <Notice tone="info" title="This API does not manage connections">
          <p>
            It answered 404 for <code>GET /v1/connections</code>. Connections come with the Composio connections API; once the API has it, they show here. Meanwhile, runs
            can still name a <code>connectedAccountId</code> in their spec.
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
          {result.value.items.length === 0 ? (
            <EmptyState title={`No connections for ${userId}`}>
              <p>Connect a toolkit below; you will be sent to the provider to grant access, then come back here.</p>
            </EmptyState>
          ) : (
            <div className="card overflow-x-auto">
              <table className="w-full text-sm">
                <TableHead columns={['Toolkit', 'Status', 'Account id', 'Created']} />
                <tbody>
                  {result.value.items.map((connection) => (
                    <tr key={connection.id} className="border-t border-zinc-200 dark:border-zinc-800">
                      <td className="px-3 py-2 font-medium">{connection.toolkit}</td>
                      <td className="px-3 py-2">
                        <StatusBadge status={connection.status.toLowerCase()} />
                      </td>
                      <td className="px-3 py-2">
                        <code className="text-xs">{connection.id}</code>
                      </td>
                      <td className="px-3 py-2">{connection.createdAt ? <Timestamp iso={connection.createdAt} /> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {session.can('operator') && <ConnectForm userId={userId} />}
        </div>
      )}
    </>
  );
}
