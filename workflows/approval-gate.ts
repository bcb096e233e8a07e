import { condition } from '@temporalio/workflow';
import { approvalSignalSchema } from '../lib/event-schemas';
import { actorSchema } from '../lib/events';
import { hasRole } from '../lib/roles';
import type { ApprovalPolicy, ApprovalSignalPayload } from '../lib/workflow-contract';
import type { RunRecorder } from './run-recorder';

export type ApprovalOutcome =
  | { kind: 'approved'; args: Record<string, unknown>; edited: boolean }
  | { kind: 'rejected'; reason: 'rejected' | 'expired'; comment: string | null }
  | { kind: 'failed'; message: string };

interface PendingApproval {
  policy: ApprovalPolicy;
  approvals: Map<string, ApprovalSignalPayload>;
  rejection: ApprovalSignalPayload | null;
}

/** The signalled decision when it counts, or why it does not. */
function checkSignal(payload: unknown, tenantId: string, pending: Map<string, PendingApproval>): { decision: ApprovalSignalPayload } | { problem: string } {
  if (typeof payload !== 'object' || payload === null) return { problem: 'payload is not an object' };
  const parsed = approvalSignalSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: issue.path[0] === 'actor' ? 'actor with an id and a role is missing' : issue.message };
  }
  const decision = parsed.data;
  if (decision.tenantId !== tenantId) return { problem: "actor is not of the run's tenant" };
  const approval = pending.get(decision.approvalId);
  if (!approval) return { problem: `no pending approval ${decision.approvalId}` };
  const { actor } = decision;
  if (!approval.policy.approvers.some((role) => hasRole(actor.role, role))) {
    return { problem: `role ${actor.role} may not decide (needs ${approval.policy.approvers.join(' or ')})` };
  }
  if (approval.approvals.has(actor.id)) return { problem: `${actor.id} has already decided` };
  return { decision };
}

/**
 * Human approval of a tool call: records `approval.requested`, then waits for whichever comes
 * first — enough distinct approvals, one rejection, the deadline, or the run's cancellation (which
 * cancels the wait). Signals that are malformed or from someone without the right are recorded as
 * `approval.signal_rejected` and change nothing.
 */
export class ApprovalGate {
  private readonly pending = new Map<string, PendingApproval>();
  private rejectedSignals = 0;
  /** Rejected signals are recorded one after another, so the log keeps their arrival order. */
  private rejectionLog: Promise<unknown> = Promise.resolve();

  constructor(private readonly context: RunRecorder) {}

  onSignal(payload: unknown): void {
    const checked = checkSignal(payload, this.context.input.tenantId, this.pending);
    if ('problem' in checked) {
      this.rejectedSignals += 1;
      const { approvalId, actor } = typeof payload === 'object' && payload !== null ? (payload as { approvalId?: unknown; actor?: unknown }) : {};
      const fact = {
        type: 'approval.signal_rejected' as const,
        key: `approval/signal-rejected/${this.rejectedSignals}`,
        data: { approvalId: typeof approvalId === 'string' ? approvalId : null, reason: checked.problem },
        // Whoever the signal claims to be, when it names someone in the actor's shape.
        actor: actorSchema.safeParse(actor).data ?? null,
      };
      this.rejectionLog = this.rejectionLog.then(() => this.context.recordFinal([fact]));
      return;
    }
    const { decision } = checked;
    const approval = this.pending.get(decision.approvalId)!;
    if (decision.decision === 'reject') approval.rejection ??= decision;
    else approval.approvals.set(decision.actor.id, decision);
  }

  async request(stepId: string, tool: string, args: Record<string, unknown>, policy: ApprovalPolicy): Promise<ApprovalOutcome> {
    const approvalId = `${this.context.input.runId}:${stepId}`;
    const approval: PendingApproval = { policy, approvals: new Map(), rejection: null };
    this.pending.set(approvalId, approval);
    await this.context.record([
      {
        type: 'approval.requested',
        key: `approval/${stepId}/requested`,
        data: { approvalId, stepId, tool, args, approvers: policy.approvers, required: policy.required, onTimeout: policy.onTimeout, timeout: policy.timeout },
      },
    ]);
    this.context.setStatus('awaiting_approval');
    try {
      const decided = await condition(() => approval.rejection !== null || approval.approvals.size >= policy.required, policy.timeout);
      return decided ? await this.decide(approvalId, stepId, args, approval) : await this.expire(approvalId, stepId, args, policy);
    } finally {
      this.pending.delete(approvalId);
    }
  }

  private async decide(approvalId: string, stepId: string, args: Record<string, unknown>, approval: PendingApproval): Promise<ApprovalOutcome> {
    const rejection = approval.rejection;
    const approvals = [...approval.approvals.values()];
    const edit = [...approvals].reverse().find((submission) => submission.args !== undefined)?.args;
    await this.context.record([
      {
        type: 'approval.decided',
        key: `approval/${stepId}/decided`,
        data: rejection
          ? { approvalId, decision: 'reject', by: [rejection.actor], comment: rejection.comment ?? null }
          : {
              approvalId,
              decision: 'approve',
              by: approvals.map((submission) => submission.actor),
              comment: approvals.at(-1)?.comment ?? null,
              ...(edit ? { editedArgs: edit, originalArgs: args } : {}),
            },
      },
    ]);
    this.context.setStatus('running');
    if (rejection) return { kind: 'rejected', reason: 'rejected', comment: rejection.comment ?? null };
    return { kind: 'approved', args: edit ?? args, edited: edit !== undefined };
  }

  private async expire(approvalId: string, stepId: string, args: Record<string, unknown>, policy: ApprovalPolicy): Promise<ApprovalOutcome> {
    await this.context.record([{ type: 'approval.expired', key: `approval/${stepId}/expired`, data: { approvalId, onTimeout: policy.onTimeout } }]);
    this.context.setStatus('running');
    if (policy.onTimeout === 'approve') return { kind: 'approved', args, edited: false };
    if (policy.onTimeout === 'fail') return { kind: 'failed', message: `approval ${approvalId} expired after ${policy.timeout}` };
    return { kind: 'rejected', reason: 'expired', comment: null };
  }
}
