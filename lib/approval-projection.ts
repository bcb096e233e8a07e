import { msToNumber } from '@temporalio/common/lib/time';
import { checkExtends } from '@temporalio/common/lib/type-helpers';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { approvalSchema } from './api-client/schemas';
import type { EventData } from './event-schemas';
import { endStatusOf, type Actor, type ApprovalStatus } from './events';
import type { ProjectedEvent } from './run-projection';

export type { ApprovalStatus } from './events';

/** One person's decision as the approvals row keeps it: `approval.submitted`'s data, who and when. */
export type ApprovalSubmission = Omit<EventData<'approval.submitted'>, 'approvalId'> & { actor: Actor | null; at: string };
// What the row keeps is what the API serves (and the other way round): the two must agree.
checkExtends<z.input<typeof approvalSchema>['submissions'][number], ApprovalSubmission>();
checkExtends<ApprovalSubmission, z.output<typeof approvalSchema>['submissions'][number]>();

/** The `approvals` row: one per approval request, derived from its events. */
export interface ApprovalRow {
  id: string;
  tenant_id: string;
  run_id: string;
  step_id: string;
  /** Null for a tool-less gate (`ctx.approval`), which has a title. */
  tool: string | null;
  title: string | null;
  args: Record<string, unknown>;
  approvers: string[];
  required: number;
  on_timeout: string;
  deadline_at: Date;
  status: ApprovalStatus;
  submissions: ApprovalSubmission[];
  decision: Record<string, unknown> | null;
  requested_at: Date;
  decided_at: Date | null;
  updated_seq: number;
}

/** Whether an event changes the approvals projection. */
export const touchesApprovals = (type: string): boolean => type.startsWith('approval.') || endStatusOf(type) !== undefined;

/**
 * Folds events into the approvals rows (inside appendEvents' transaction, after the run row is
 * locked). A run that ends leaves none of its approvals pending. `db` is a knex transaction, or
 * knex with the raw pooled `connection` appendEvents holds its transaction on.
 */
export async function projectApprovalEvents(db: Knex, events: ProjectedEvent[], options: { connection?: unknown } = {}): Promise<void> {
  const table = (name: string) => (options.connection === undefined ? db(name) : db(name).connection(options.connection));
  for (const event of events) {
    if (event.type === 'approval.requested') {
      const { data } = event;
      await table('approvals')
        .insert({
          id: data.approvalId,
          tenant_id: event.tenantId,
          run_id: event.runId,
          step_id: data.stepId,
          tool: data.tool,
          title: data.title ?? null,
          args: JSON.stringify(data.args) as unknown as Record<string, unknown>,
          approvers: data.approvers,
          required: data.required,
          on_timeout: data.onTimeout,
          // The workflow's timer starts when this fact is recorded: the deadline is its time plus the timeout.
          deadline_at: new Date(event.at.getTime() + msToNumber(data.timeout)),
          status: 'pending',
          submissions: '[]' as unknown as ApprovalSubmission[],
          requested_at: event.at,
          updated_seq: event.seq,
        })
        .onConflict('id')
        .ignore();
    } else if (event.type === 'approval.submitted') {
      const { data } = event;
      const submission: ApprovalSubmission = {
        decision: data.decision,
        comment: data.comment,
        args: data.args,
        ...(data.argsHash ? { argsHash: data.argsHash } : {}),
        actor: event.actor,
        at: event.at.toISOString(),
      };
      await table('approvals')
        .where({ id: data.approvalId })
        .update({ submissions: db.raw('submissions || ?::jsonb', [JSON.stringify([submission])]), updated_seq: event.seq });
    } else if (event.type === 'approval.decided' || event.type === 'approval.expired') {
      const status: ApprovalStatus = event.type === 'approval.expired' ? 'expired' : event.data.decision === 'approve' ? 'approved' : 'rejected';
      await table('approvals')
        .where({ id: event.data.approvalId })
        .update({ status, decision: JSON.stringify(event.data), decided_at: event.at, updated_seq: event.seq });
    } else if (endStatusOf(event.type) !== undefined) {
      await table('approvals').where({ run_id: event.runId, status: 'pending' }).update({ status: 'cancelled', decided_at: event.at, updated_seq: event.seq });
    }
  }
}
