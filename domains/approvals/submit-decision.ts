import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ToolRegistry } from '../../tools/registry';
import type { ToolDefinition } from '../../tools/tool';
import type { ApprovalRow } from '../../lib/approval-projection';
import { AppError, describeIssues } from '../../lib/errors';
import { appendEvents, eventLogOf } from '../../lib/event-log';
import type { DecisionInput, EventData } from '../../lib/event-schemas';
import type { Actor } from '../../lib/events';
import { redactedPaths } from '../../lib/redact';
import type { InFlight } from '../../lib/in-flight';
import { hasRole } from '../../lib/roles';
import type { Role } from '../../lib/run-spec';
import { dedupeKeys, type ApprovalSignalPayload } from '../../lib/workflow-contract';
import { approvalSignal } from '../../workflows/definitions';
import type { Principal } from '../keys';
import { approvalState } from './approval-state';
import { presentApproval, type ApprovalView } from './present-approval';

export interface ApprovalDeps {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
  tools: ToolRegistry;
}

/**
 * Submits one person's decision, bound to the args it is for: `input.argsHash` when the client sends
 * what its approver saw (a stale one is a 409 naming the args now up for decision), else the args
 * the approval stands at now. The run's creator may not approve unless the gate allows it (403). The run row is locked for the whole check → record → signal, so
 * concurrent submissions are decided one at a time: once a decision is reached (a rejection, or
 * enough approvals), every later submission is a 409 carrying what was decided, with no effect.
 * The signal is sent inside the transaction: if Temporal does not take it, nothing is recorded.
 */
export async function submitDecision(deps: ApprovalDeps, principal: Principal, runId: string, approvalId: string, input: DecisionInput): Promise<ApprovalView> {
  await deps.db.transaction(async (trx) => {
    const run = await trx('runs').where({ id: runId, tenant_id: principal.tenantId }).forUpdate().first();
    if (!run) throw new AppError('not_found', `run ${runId} not found`);
    const row = await trx<ApprovalRow>('approvals').where({ id: approvalId, run_id: runId }).first();
    if (!row) throw new AppError('not_found', `approval ${approvalId} not found in run ${runId}`);
    if (!row.approvers.some((role) => hasRole(principal.role, role as Role))) {
      throw new AppError('forbidden', `deciding this needs the ${row.approvers.join(' or ')} role (your key is ${principal.role})`);
    }
    const existing = { status: row.status, decision: row.decision, submissions: row.submissions };
    if (row.status !== 'pending') throw new AppError('conflict', `approval ${approvalId} is already ${row.status}`, existing);
    if (row.deadline_at.getTime() <= Date.now()) throw new AppError('conflict', `the deadline of approval ${approvalId} has passed`, existing);
    const requested = await requestOf(trx, runId, approvalId);
    if (input.decision === 'approve' && !requested?.allowSelfApproval) {
      const creatorIds = requested?.creatorIds ?? [(run.created_by as Actor | null)?.id];
      if (creatorIds.includes(principal.actor.id)) {
        throw new AppError(
          'forbidden',
          `you started this run, so you may not approve it (the gate does not allow self-approval: "allowSelfApproval": true in its approval settings)`,
          { reason: 'self_approval', creatorIds },
        );
      }
    }
    const state = approvalState(row);
    if (state.rejected || state.counted.length >= row.required) {
      throw new AppError('conflict', `a decision on approval ${approvalId} has already been reached`, existing);
    }
    if (input.argsHash !== undefined && input.argsHash !== state.argsHash) {
      throw new AppError('conflict', `the args of approval ${approvalId} changed since you saw them (an edit restarted its quorum): decide on them again`, {
        reason: 'args_changed',
        argsHash: state.argsHash,
        currentArgs: state.currentArgs,
      });
    }
    if (state.counted.some((submission) => submission.actor?.id === principal.actor.id)) {
      throw new AppError('conflict', 'you have already decided on this approval', existing);
    }
    if (input.args) {
      // A tool-less gate's data has no schema but JSON's; a tool's edited args must fit the tool.
      if (row.tool !== null) assertArgsFit(deps.tools.forTenant(principal.tenantId).get(row.tool), row.tool, input.args);
      assertNothingRedacted(deps.db, input.args);
    }
    const argsHash = input.argsHash ?? state.argsHash;
    // A key's first submission keeps the key it always had; after an edit restarted the quorum it may approve again.
    const earlier = row.submissions.filter((submission) => submission.actor?.id === principal.actor.id).length;

    await appendEvents(
      trx,
      { tenantId: principal.tenantId, runId },
      [
        {
          type: 'approval.submitted',
          dedupeKey: dedupeKeys.runFact(runId, `approval/${approvalId}/submitted/${principal.actor.id}${earlier > 0 ? `/${earlier + 1}` : ''}`),
          data: { approvalId, decision: input.decision, comment: input.comment ?? null, args: input.args ?? null, argsHash },
          actor: principal.actor,
        },
      ],
      { writer: 'api' },
    );
    const payload: ApprovalSignalPayload = {
      approvalId,
      decision: input.decision,
      ...(input.args ? { args: input.args } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      argsHash,
      // The workflow checks the role it is given against the approval's approvers.
      actor: { ...principal.actor, role: principal.role },
      tenantId: principal.tenantId,
    };
    try {
      await deps.temporalCalls.track(
        deps.temporal.connection.withDeadline(Date.now() + 10_000, () => deps.temporal.workflow.getHandle(runId).signal(approvalSignal, payload)),
      );
    } catch (error) {
      throw new AppError('unavailable', 'Temporal did not take the decision; nothing was recorded, try again', {
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  });
  const updated = await deps.db<ApprovalRow>('approvals').where({ id: approvalId }).first();
  return presentApproval(updated!);
}

/** The `approval.requested` data of the approval (its binding: creators, self-approval). */
async function requestOf(trx: Knex.Transaction, runId: string, approvalId: string): Promise<EventData<'approval.requested'> | undefined> {
  const event = await trx('run_events').where({ run_id: runId, type: 'approval.requested' }).whereRaw(`data->>'approvalId' = ?`, [approvalId]).first('data');
  return event?.data as EventData<'approval.requested'> | undefined;
}

/** Edited args must be stored as they run: a value the log would redact is refused (docs/security.md). */
function assertNothingRedacted(db: Knex, args: Record<string, unknown>): void {
  const hidden = redactedPaths(args, eventLogOf(db).redaction);
  if (hidden.length === 0) return;
  throw new AppError(
    'validation_failed',
    'the edited args hold values the event log redacts: the other approvers and the log would not see what runs',
    hidden.map((path) => ({ path: `args.${path}`, message: 'this value would be stored as [REDACTED]; secrets do not go through approval edits' })),
    { status: 422 },
  );
}

function assertArgsFit(tool: ToolDefinition | undefined, toolName: string, args: Record<string, unknown>): void {
  if (!tool) return;
  const parsed = tool.inputSchema.safeParse(args);
  if (!parsed.success) {
    throw new AppError(
      'validation_failed',
      `the edited args do not fit ${toolName}`,
      describeIssues(parsed.error).map((issue) => ({ path: `args.${issue.path}`, message: issue.message })),
      { status: 422 },
    );
  }
}
