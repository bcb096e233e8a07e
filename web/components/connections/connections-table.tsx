import { StatusBadge } from '@/components/ui/status-badge';
import { TableHead } from '@/components/ui/table-head';
import { Timestamp } from '@/components/ui/timestamp';
import type { Connection } from '@/lib/connections';

/** A user's connected accounts: toolkit, status with Composio's reason, ids, when created and last changed. */
export function ConnectionsTable({ connections }: { connections: Connection[] }) {
  return (
    <div className="card scroll-x">
      <table className="w-full text-sm">
        <TableHead columns={['Toolkit', 'Status', 'Account id', 'Auth config', 'Created', 'Updated']} />
        <tbody>
          {connections.map((connection) => (
            <tr
              key={connection.id}
              className="border-t border-zinc-200 dark:border-zinc-800"
              data-connection-id={connection.id}
              data-connection-status={connection.status}
            >
              <td className="px-3 py-2 font-medium">{connection.toolkit}</td>
              <td className="px-3 py-2">
                <StatusBadge status={connection.status} />
                {connection.statusReason && <div className="muted mt-0.5 text-xs">{connection.statusReason}</div>}
              </td>
              <td className="px-3 py-2">
                <code className="text-xs">{connection.id}</code>
              </td>
              <td className="px-3 py-2">
                <code className="text-xs">{connection.authConfigId}</code>
              </td>
              <td className="px-3 py-2">
                <Timestamp iso={connection.createdAt} />
              </td>
              <td className="px-3 py-2">
                <Timestamp iso={connection.updatedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
