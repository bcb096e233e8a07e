import { condition, patched } from '@temporalio/workflow';
import { argsHashOf } from '../lib/args-hash';
import { approvalSignalSchema } from '../lib/event-schemas';
import { actorSchema, type Actor } from '../lib/events';
import { redactedPaths } from '../lib/redact';
import { hasRole } from '../lib/roles';
import type { ApprovalPolicy, ApprovalSignalPayload, SignalRejection } from '../lib/workflow-contract';
import type { RunRecorder } from './run-recorder';

/**
 * Approvals requested from here on are bound to their args: a decision names the `argsHash` it is
 * for, an edit restarts the quorum, the run's creator may not approve unless the policy allows it,
 * and args the log would redact are refused before anyone is asked. Histories recorded before it
 * replay with the earlier rules.
 */
export const boundApprovalsPatch = 'approval-bound-decisions';

/** onTimeout "approve" no longer approves args an approver edited (and no quorum approved): the gate fails. */
export const expiryAfterEditPatch = 'approval-expiry-after-edit';

/** `by` and `comment`: who decided and what the last of them said (none when the deadline decided). */
export type ApprovalOutcome =
  | { kind: 'approved'; args: Record<string, unknown>; edited: boolean; expired: boolean; by: Actor[]; comment: string | null }
  | { kind: 'rejected'; reason: 'rejected' | 'expired'; by: Actor[]; comment: string | null }
  | { kind: 'failed'; message: string }
  /** The args hold values the event log redacts: no approver could see what would run. */
  | { kind: 'refused'; message: string };

/** What a bound approval decides on: the args now up for decision (an edit replaces them) and who may not approve. */
interface BoundArgs {
  args: Record<string, unknown>;
  argsHash: string;
  creatorIds: string[];
  quorumRestarts: number;
}

interface PendingApproval {
  policy: ApprovalPolicy;
  /** The approvals of the current args (all of them, in an unbound approval). */
  approvals: Map<string, ApprovalSignalPayload>;
  rejection: ApprovalSignalPayload | null;
  bound: BoundArgs | null;
}

/** The rules of a bound approval the decision breaks, or null. */
function boundProblem(decision: ApprovalSignalPayload, approval: PendingApproval, redactKeys: string[]): string | null {
  const { bound, policy } = approval;
  if (!bound) return null;
  const { actor } = decision;
  if (decision.decision === 'approve' && !policy.allowSelfApproval && bound.creatorIds.includes(actor.id)) {
    return `${actor.id} started this run and may not approve it (the gate does not allow self-approval)`;
  }
  if (decision.argsHash === undefined) {
    if (decision.decision === 'approve') return 'argsHash is missing: an approval names the args it is for';
  } else if (decision.argsHash !== bound.argsHash) {
    return `argsHash ${decision.argsHash} is stale: the approval now asks about ${bound.argsHash}`;
  }
  if (decision.args) {
    const hidden = redactedPaths(decision.args, { extraKeys: redactKeys });
    if (hidden.length > 0) return `the edited args hold values the event log redacts (${hidden.join(', ')})`;
  }
  return null;
}

/** The signalled decision when it counts, or why it does not. */
function checkSignal(
  payload: unknown,
  tenantId: string,
  pending: Map<string, PendingApproval>,
  redactKeys: string[],
): { decision: ApprovalSignalPayload } | { problem: string } {
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
  const problem = boundProblem(decision, approval, redactKeys);
  if (problem) return { problem };
  if (approval.approvals.has(actor.id)) return { problem: `${actor.id} has already decided` };
  return { decision };
}

/**
 * Human approval of a tool call: records `approval.requested`, then waits for whichever comes
 * first — enough distinct approvals, one rejection, the deadline, or the run's cancellation (which
 * cancels the wait). Signals that are malformed, from someone without the right, or (once the
 * worker checks signatures) not signed by the API are recorded as `approval.signal_rejected` and
 * change nothing.
 */
export class ApprovalGate {
  private readonly pending = new Map<string, PendingApproval>();
  private rejectedSignals = 0;
  /** Rejected signals are recorded one after another, so the log keeps their arrival order. */
  private rejectionLog: Promise<unknown> = Promise.resolve();

  constructor(private readonly context: RunRecorder) {}

  private get redactKeys(): string[] {
    return this.context.input.redactKeys ?? [];
  }

  /** A verified signal (or one of a history recorded before signatures): counts if it passes the checks. */
  onSignal(payload: unknown): void {
    const checked = checkSignal(payload, this.context.input.tenantId, this.pending, this.redactKeys);
    if ('problem' in checked) {
      const { actor } = typeof payload === 'object' && payload !== null ? (payload as { actor?: unknown }) : {};
      // Whoever the signal claims to be, when it names someone in the actor's shape: its signature vouches for it.
      void this.recordRejection(payload, checked.problem, actorSchema.safeParse(actor).data ?? null);
      return;
    }
    const { decision } = checked;
    const approval = this.pending.get(decision.approvalId)!;
    const { bound } = approval;
    if (decision.decision === 'reject') approval.rejection ??= decision;
    else if (bound && decision.args && argsHashOf(decision.args) !== bound.argsHash) {
      // An edit: what runs changes, so the approvals of the earlier args no longer count.
      if (approval.approvals.size > 0) bound.quorumRestarts += 1;
      bound.args = decision.args;
      bound.argsHash = argsHashOf(decision.args);
      approval.approvals = new Map([[decision.actor.id, decision]]);
    } else approval.approvals.set(decision.actor.id, decision);
  }

  /** A signal whose signature did not verify: recorded without the identity it claims, and nothing else happens. */
  refuseSignal(payload: unknown, reason: SignalRejection): Promise<unknown> {
    return this.recordRejection(payload, reason, null);
  }

  private recordRejection(payload: unknown, reason: string, actor: Actor | null): Promise<unknown> {
    this.rejectedSignals += 1;
    const generation = this.context.input.carried?.generation ?? 0;
    const { approvalId } = typeof payload === 'object' && payload !== null ? (payload as { approvalId?: unknown }) : {};
    const fact = {
      type: 'approval.signal_rejected' as const,
      // Unique across continue-as-new: later generations number their own (the first keeps its old keys).
      key: generation === 0 ? `approval/signal-rejected/${this.rejectedSignals}` : `approval/signal-rejected/${generation}/${this.rejectedSignals}`,
      data: { approvalId: typeof approvalId === 'string' ? approvalId : null, reason },
      actor,
    };
    this.rejectionLog = this.rejectionLog.then(() => this.context.recordFinal([fact]));
    return this.rejectionLog;
  }

  /**
   * `tool` is the call the gate holds, or null for a gate of its own (a definition's `ctx.approval`),
   * which names what it asks in `title` and shows its data as the args.
   */
  async request(stepId: string, tool: string | null, args: Record<string, unknown>, policy: ApprovalPolicy, title?: string): Promise<ApprovalOutcome> {
    const approvalId = `${this.context.input.runId}:${stepId}`;
    let bound: BoundArgs | null = null;
    if (patched(boundApprovalsPatch)) {
      const hidden = redactedPaths(args, { extraKeys: this.redactKeys });
      if (hidden.length > 0) {
        return {
          kind: 'refused',
          message:
            tool === null
              ? `approval ${stepId}: its data holds values the event log redacts (${hidden.join(', ')}), so no approver could see what they decide on`
              : `step ${stepId}: the args of ${tool} hold values the event log redacts (${hidden.join(', ')}), so no approver could see what would run; the call was not run`,
        };
      }
      const { createdBy, onBehalfOf } = this.context.input;
      const creatorIds = [...new Set([createdBy?.id, onBehalfOf?.id].filter((id): id is string => typeof id === 'string'))];
      bound = { args, argsHash: argsHashOf(args), creatorIds, quorumRestarts: 0 };
    }
    const approval: PendingApproval = { policy, approvals: new Map(), rejection: null, bound };
    this.pending.set(approvalId, approval);
    await this.context.record([
      {
        type: 'approval.requested',
        key: `approval/${stepId}/requested`,
        data: {
          approvalId,
          stepId,
          tool,
          ...(title !== undefined ? { title } : {}),
          args,
          approvers: policy.approvers,
          required: policy.required,
          onTimeout: policy.onTimeout,
          timeout: policy.timeout,
          ...(bound ? { argsHash: bound.argsHash, allowSelfApproval: policy.allowSelfApproval ?? false, creatorIds: bound.creatorIds } : {}),
        },
      },
    ]);
    this.context.beginWait('awaiting_approval');
    try {
      const decided = await condition(() => approval.rejection !== null || approval.approvals.size >= policy.required, policy.timeout);
      return decided ? await this.decide(approvalId, stepId, args, approval) : await this.expire(approvalId, stepId, args, approval);
    } finally {
      this.pending.delete(approvalId);
    }
  }

  private async decide(approvalId: string, stepId: string, args: Record<string, unknown>, approval: PendingApproval): Promise<ApprovalOutcome> {
    const { rejection, bound } = approval;
    const approvals = [...approval.approvals.values()];
    // Bound: the args the quorum approved (the last edit, or as asked). Unbound: the last edit among the approvals.
    const edit = bound
      ? bound.argsHash === argsHashOf(args)
        ? undefined
        : bound.args
      : [...approvals].reverse().find((submission) => submission.args !== undefined)?.args;
    const binding = bound ? { argsHash: bound.argsHash, quorumRestarts: bound.quorumRestarts } : {};
    await this.context.record([
      {
        type: 'approval.decided',
        key: `approval/${stepId}/decided`,
        data: rejection
          ? { approvalId, decision: 'reject', by: [rejection.actor], comment: rejection.comment ?? null, ...binding }
          : {
              approvalId,
              decision: 'approve',
              by: approvals.map((submission) => submission.actor),
              comment: approvals.at(-1)?.comment ?? null,
              ...(edit ? { editedArgs: edit, originalArgs: args } : {}),
              ...binding,
            },
      },
    ]);
    this.context.endWait('awaiting_approval');
    if (rejection) return { kind: 'rejected', reason: 'rejected', by: [rejection.actor], comment: rejection.comment ?? null };
    const by = approvals.map((submission) => submission.actor);
    return { kind: 'approved', args: edit ?? args, edited: edit !== undefined, expired: false, by, comment: approvals.at(-1)?.comment ?? null };
  }

  private async expire(approvalId: string, stepId: string, args: Record<string, unknown>, approval: PendingApproval): Promise<ApprovalOutcome> {
    const { policy, bound } = approval;
    // An approver edited the args and the deadline came before a quorum approved the edit. Approving
    // on timeout means "run what was asked if nobody objects"; an edit is an objection to that, and
    // the edit itself was not approved: neither runs.
    const editedAway = policy.onTimeout === 'approve' && bound !== null && bound.argsHash !== argsHashOf(args) && patched(expiryAfterEditPatch);
    await this.context.record([
      {
        type: 'approval.expired',
        key: `approval/${stepId}/expired`,
        data: { approvalId, onTimeout: policy.onTimeout, ...(editedAway ? { argsEdited: true as const } : {}) },
      },
    ]);
    this.context.endWait('awaiting_approval');
    if (editedAway) {
      return {
        kind: 'failed',
        message: `approval ${approvalId} expired after ${policy.timeout} with an edit of its args that no quorum approved: onTimeout "approve" runs only the args as asked, and an approver changed them, so neither the asked nor the edited args ran`,
      };
    }
    if (policy.onTimeout === 'approve') return { kind: 'approved', args, edited: false, expired: true, by: [], comment: null };
    if (policy.onTimeout === 'fail') return { kind: 'failed', message: `approval ${approvalId} expired after ${policy.timeout}` };
    return { kind: 'rejected', reason: 'expired', by: [], comment: null };
  }
}
