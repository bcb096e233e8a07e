import { TableHead } from '@/components/ui/table-head';
import type { Metadata } from 'next';
import { CreateKeyForm, RevokeKeyButton } from '@/components/keys/key-forms';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { EmptyState, PageHeader } from '@/components/ui/page-header';
import { StatusBadge } from '@/components/ui/status-badge';
import { Timestamp } from '@/components/ui/timestamp';
import type { ApiKey } from '@/lib/api';
import { requireRole } from '@/lib/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'API keys' };

export default async function KeysPage() {
  const session = await requireRole('admin');
  let keys: ApiKey[];
  try {
    keys = await session.client.listKeys();
  } catch (error) {
    return (
      <>
        <PageHeader title="API keys" />
        <ApiErrorNotice error={error} what="API keys" />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="API keys"
        description={`Keys of tenant ${session.principal.tenantId}. viewer < operator < approver < admin: each role can do what the ones before it can.`}
      />
      <CreateKeyForm />
      <div className="mt-6">
        {keys.length === 0 ? (
          <EmptyState title="No keys yet">
            <p>Only the bootstrap admin key exists. Create a key per person or service above, with the smallest role that does the job.</p>
          </EmptyState>
        ) : (
          <div className="card scroll-x">
            <table className="w-full min-w-[36rem] text-sm">
              <TableHead columns={['Name', 'Role', 'Created', 'State', { srLabel: 'Actions' }]} />
              <tbody>
                {keys.map((key) => (
                  <tr key={key.id} className="border-t border-zinc-200 dark:border-zinc-800">
                    <td className="px-3 py-2">
                      <div className="font-medium">{key.name}</div>
                      <code className="muted text-xs">{key.id}</code>
                    </td>
                    <td className="px-3 py-2">{key.role}</td>
                    <td className="px-3 py-2">
                      <Timestamp iso={key.createdAt} />
                      {key.createdBy && <span className="muted"> by {key.createdBy.name ?? key.createdBy.id}</span>}
                    </td>
                    <td className="px-3 py-2">{key.revokedAt ? <StatusBadge status="revoked" /> : <StatusBadge status="active" />}</td>
                    <td className="px-3 py-2 text-right">{!key.revokedAt && <RevokeKeyButton keyId={key.id} name={key.name} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </>
  );
}
