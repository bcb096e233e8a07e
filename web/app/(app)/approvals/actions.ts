'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { failure, type ActionResult } from '@/lib/action-result';
import { FlightdeckApiError } from '@/lib/api';
import { requireSession } from '@/lib/session';

const decisionForm = z.object({
  runId: z.string().min(1).max(100),
  approvalId: z.string().min(1).max(300),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().trim().max(4000).optional(),
  args: z.string().max(256_000).optional(),
  originalArgs: z.string().max(256_000).optional(),
  /** The args the approver was shown: a decision for them is refused (409) if an edit changed them since. */
  argsHash: z.string().max(200).optional(),
});

/** Parses edited args; unchanged ones are not sent, so an approval without edits stays a plain approval. */
function editedArgs(args: string | undefined, originalArgs: string | undefined): { args?: Record<string, unknown>; error?: string } {
  if (args === undefined || args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch (error) {
    return { error: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'args must be a JSON object' };
  if (originalArgs !== undefined && JSON.stringify(parsed) === JSON.stringify(JSON.parse(originalArgs))) return {};
  return { args: parsed as Record<string, unknown> };
}

export async function decideApprovalAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = decisionForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'The form is incomplete; reload the page.', fieldErrors: {} };
  const { runId, approvalId, decision, comment, originalArgs, argsHash } = form.data;
  const edit = decision === 'approve' ? editedArgs(form.data.args, originalArgs) : {};
  if (edit.error) return { ok: false, message: 'Fix the args first.', fieldErrors: { args: [edit.error] } };
  const { client } = await requireSession();
  try {
    const approval = await client.decideApproval(runId, approvalId, {
      decision,
      comment: comment || undefined,
      args: edit.args,
      argsHash: argsHash || undefined,
    });
    return {
      ok: true,
      message: approval.status === 'pending' ? 'Your approval is in; more are needed.' : `Decision recorded: ${approval.status}.`,
      fieldErrors: {},
    };
  } catch (error) {
    const refused = refusalMessage(error);
    if (refused) {
      revalidatePath('/approvals');
      return { ok: false, message: refused, fieldErrors: {} };
    }
    const result = failure(error);
    // The API names edited-args problems by their path inside the args.
    const argProblems = Object.entries(result.fieldErrors).filter(([path]) => path === 'args' || path.startsWith('args.'));
    if (argProblems.length) result.fieldErrors.args = argProblems.flatMap(([path, messages]) => messages.map((message) => `${path}: ${message}`));
    return result;
  }
}

/**
 * The two refusals an approver can meet in the normal course of things, said in the approver's
 * terms rather than the API's: someone else edited the args, or this is their own run.
 */
function refusalMessage(error: unknown): string | null {
  if (!(error instanceof FlightdeckApiError)) return null;
  const details: unknown = error.details;
  const reason = typeof details === 'object' && details !== null && 'reason' in details ? details.reason : undefined;
  if (reason === 'args_changed')
    return 'Another approver edited the args while you were reading them, so the approvals start again. Check the args now shown and decide again.';
  if (reason === 'self_approval')
    return 'You started this run, so you cannot approve it yourself: someone else with an approver role has to. (A gate allows this only with "allowSelfApproval": true.)';
  return null;
}
