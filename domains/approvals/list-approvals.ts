import type { Knex } from 'knex';
import type { ApprovalRow, ApprovalStatus } from '../../lib/approval-projection';
import { presentApproval, type ApprovalView } from './present-approval';

/** The tenant's approvals, pending ones first, newest first within each. */
export async function listApprovals(db: Knex, tenantId: string, filter: { status?: ApprovalStatus[]; runId?: string; limit: number }): Promise<ApprovalView[]> {
  const rows = await db<ApprovalRow>('approvals')
    .where({ tenant_id: tenantId })
    .modify((query) => {
      if (filter.status?.length) query.whereIn('status', filter.status);
      if (filter.runId) query.where({ run_id: filter.runId });
    })
    .orderByRaw("(status = 'pending') desc, requested_at desc")
    .limit(filter.limit);
  return rows.map(presentApproval);
}
