'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import type { Approval } from '../../../lib/api-client/schemas';
import { LiveIndicator } from '@/components/live/live-indicator';
import { useLiveStream } from '@/components/live/use-live-stream';
import { EmptyState } from '@/components/ui/page-header';
import { ApprovalCard } from './approval-card';

/** Pending first (oldest request first, as a queue), then decided ones, newest first; kept live. */
export function ApprovalsInbox({ initialApprovals, canDecide }: { initialApprovals: Approval[]; canDecide: boolean }) {
  const router = useRouter();
  const [live, setLive] = useState<Map<string, Approval>>(() => new Map());
  const state = useLiveStream('/api/live/approvals', {
    approval: (data) => {
      const approval = data as Approval;
      setLive((previous) => new Map(previous).set(approval.id, approval));
    },
  });
  // Changes made before the subscription was live (page render to subscribe, or during a drop)
  // are not replayed: read the list again each time the stream goes live.
  useEffect(() => {
    if (state.status === 'live') router.refresh();
  }, [state.status, router]);

  const { pending, decided } = useMemo(() => {
    const byId = new Map(initialApprovals.map((approval) => [approval.id, approval]));
    for (const [id, approval] of live) byId.set(id, approval);
    const all = [...byId.values()];
    return {
      pending: all.filter((approval) => approval.status === 'pending').sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)),
      decided: all
        .filter((approval) => approval.status !== 'pending')
        .sort((a, b) => (b.decidedAt ?? b.requestedAt).localeCompare(a.decidedAt ?? a.requestedAt)),
    };
  }, [initialApprovals, live]);

  return (
    <div className="space-y-8">
      <section aria-labelledby="pending-heading">
        <div className="mb-3 flex items-center justify-between">
          <h2 id="pending-heading" className="text-lg font-semibold">
            Pending{' '}
            <span className="muted tabular-nums" data-testid="pending-count">
              ({pending.length})
            </span>
          </h2>
          <LiveIndicator state={state} />
        </div>
        {pending.length === 0 ? (
          <EmptyState title="Nothing waits for a decision">
            <p>
              A step with <code>&quot;approval&quot;: true</code> in its run spec (or a tool that requires approval) stops here until someone decides. New
              requests appear live.
            </p>
          </EmptyState>
        ) : (
          <ul className="space-y-4" data-testid="pending-approvals">
            {pending.map((approval) => (
              <li key={approval.id}>
                <ApprovalCard approval={approval} canDecide={canDecide} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {decided.length > 0 && (
        <section aria-labelledby="decided-heading">
          <h2 id="decided-heading" className="mb-3 text-lg font-semibold">
            Decided
          </h2>
          <ul className="space-y-3">
            {decided.map((approval) => (
              <li key={approval.id}>
                <ApprovalCard approval={approval} canDecide={false} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
