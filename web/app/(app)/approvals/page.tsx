import type { Metadata } from 'next';
import { ApprovalsInbox } from '@/components/approvals/approvals-inbox';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { PageHeader } from '@/components/ui/page-header';
import type { Approval } from '@/lib/api';
import { requireSession } from '@/lib/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Approvals' };

export default async function ApprovalsPage() {
  const session = await requireSession();
  let approvals: Approval[];
  try {
    approvals = await session.client.listApprovals({ limit: 200 });
  } catch (error) {
    return (
      <>
        <PageHeader title="Approvals" />
        <ApiErrorNotice error={error} what="approvals" />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Approvals"
        description={
          session.can('approver')
            ? 'Gated steps wait here for a decision. Approve, approve with edited args, or reject, with a comment.'
            : 'Gated steps wait here for an approver. Your role can see them but not decide.'
        }
      />
      <ApprovalsInbox initialApprovals={approvals} canDecide={session.can('approver')} />
    </>
  );
}
