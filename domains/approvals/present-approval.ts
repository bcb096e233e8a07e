import type { z } from 'zod';
import type { approvalSchema } from '../../lib/api-client/schemas';
import type { ApprovalRow } from '../../lib/approval-projection';
import { approvalState } from './approval-state';

/** An approval as the API and the stream show it. */
export function presentApproval(row: ApprovalRow) {
  const state = approvalState(row);
  return {
    id: row.id,
    runId: row.run_id,
    stepId: row.step_id,
    tool: row.tool,
    title: row.title,
    args: row.args,
    currentArgs: state.currentArgs,
    argsHash: state.argsHash,
    approvals: state.counted.length,
    approvers: row.approvers,
    required: row.required,
    onTimeout: row.on_timeout,
    deadline: row.deadline_at.toISOString(),
    status: row.status,
    submissions: row.submissions,
    decision: row.decision,
    requestedAt: row.requested_at.toISOString(),
    decidedAt: row.decided_at?.toISOString() ?? null,
  } satisfies z.input<typeof approvalSchema>;
}
export type ApprovalView = ReturnType<typeof presentApproval>;
