import { condition } from '@temporalio/workflow';
import type { Actor } from '../lib/events';
import { hasRole } from '../lib/roles';
import type { Role } from '../lib/run-spec';
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

const roles: Role[] = ['viewer', 'operator', 'approver', 'admin'];

/** Why a signalled decision does not count, or null when it does. */
function problemWith(payload: unknown, tenantId: string, pending: Map<string, PendingApproval>): string | null {
  if (typeof payload !== 'object' || payload === null) return 'payload is not an object';
  const candidate = payload as Partial<ApprovalSignalPayload>;
  if (typeof candidate.approvalId !== 'string') return 'approvalId is missing';
  if (candidate.decision !== 'approve' && candidate.decision !== 'reject') return 'decision must be "approve" or "reject"';
  if (candidate.args !== undefined && (typeof candidate.args !== 'object' || candidate.args === null || Array.isArray(candidate.args))) {
    return 'args must be an object';
  }
  const actor = candidate.actor;
  if (typeof actor !== 'object' || actor === null || typeof actor.id !== 'string' || !roles.includes(actor.role as Role)) {
    return 'actor with an id and a role is missing';
  }
  if (candidate.tenantId !== tenantId) return "actor is not of the run's tenant";
  const approval = pending.get(candidate.approvalId);
  if (!approval) return `no pending approval ${candidate.approvalId}`;
  if (!approval.policy.approvers.some((role) => hasRole(actor.role as Role, role))) {
    return `role ${actor.role} may not decide (needs ${approval.policy.approvers.join(' or ')})`;
  }
  if (approval.approvals.has(actor.id)) return `${actor.id} has already decided`;
  return null;
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
    const problem = problemWith(payload, this.context.input.tenantId, this.pending);
    if (problem) {
      this.rejectedSignals += 1;
      const approvalId = typeof payload === 'object' && payload !== null ? (payload as { approvalId?: unknown }).approvalId : undefined;
      const actor = typeof payload === 'object' && payload !== null ? (payload as { actor?: Actor }).actor : undefined;
      const fact = {
        type: 'approval.signal_rejected' as const,
        key: `approval/signal-rejected/${this.rejectedSignals}`,
        data: { approvalId: typeof approvalId === 'string' ? approvalId : null, reason: problem },
        actor: actor && typeof actor === 'object' && typeof actor.id === 'string' ? actor : null,
      };
      this.rejectionLog = this.rejectionLog.then(() => this.context.recordFinal([fact]));
      return;
    }
    const decision = payload as ApprovalSignalPayload;
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
