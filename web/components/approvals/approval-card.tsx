'use client';

import Link from 'next/link';
import { useActionState, useId } from 'react';
import type { Approval } from '../../../lib/api-client/schemas';
import { decideApprovalAction } from '@/app/(app)/approvals/actions';
import { StatusBadge } from '@/components/ui/status-badge';
import { Timestamp } from '@/components/ui/timestamp';
import type { ActionResult } from '@/lib/action-result';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };
const who = (actor: Approval['submissions'][number]['actor']) => (actor ? (actor.name ?? actor.id) : 'system');

/** One approval: what it gates, who decided what, and — when pending and allowed — the decision form. */
export function ApprovalCard({ approval, canDecide }: { approval: Approval; canDecide: boolean }) {
  const id = useId();
  const [state, action, pending] = useActionState(decideApprovalAction, initial);
  // What an approval approves now: the latest edit, else the args as asked.
  const originalArgs = JSON.stringify(approval.currentArgs, null, 2);
  const edited = JSON.stringify(approval.currentArgs) !== JSON.stringify(approval.args);
  const argsError = state.fieldErrors.args;
  const isPending = approval.status === 'pending';
  return (
    <article className="card p-4" aria-labelledby={`${id}-title`} data-approval-id={approval.id} data-status={approval.status}>
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 id={`${id}-title`} className="font-semibold">
            {approval.tool === null ? (
              <>
                {approval.title ?? 'Approval'}{' '}
                <span className="muted text-sm font-normal">
                  (step <code>{approval.stepId}</code>)
                </span>
              </>
            ) : (
              <>
                Step <code>{approval.stepId}</code> wants to call <code>{approval.tool}</code>
              </>
            )}
          </h3>
          <p className="muted text-sm">
            Run{' '}
            <Link href={`/runs/${approval.runId}`} className="link">
              {approval.runId}
            </Link>{' '}
            · requested <Timestamp iso={approval.requestedAt} />
            {isPending && (
              <>
                {' '}
                · expires <Timestamp iso={approval.deadline} /> ({approval.onTimeout} then)
              </>
            )}{' '}
            · needs {approval.required} of: {approval.approvers.join(', ')}
          </p>
        </div>
        <StatusBadge status={approval.status} />
      </header>
      {approval.submissions.length > 0 && (
        <ul className="mt-2 space-y-1 text-sm" aria-label="Decisions so far">
          {approval.submissions.map((submission, index) => (
            <li key={index}>
              <span className="font-medium">{who(submission.actor)}</span> {submission.decision === 'approve' ? 'approved' : 'rejected'}
              {submission.args && ' with edited args'}
              {submission.decision === 'approve' &&
                submission.argsHash &&
                submission.argsHash !== approval.argsHash &&
                ' (earlier args: no longer counts)'}{' '}
              <Timestamp iso={submission.at} />
              {submission.comment && <span className="muted"> — “{submission.comment}”</span>}
            </li>
          ))}
        </ul>
      )}
      {isPending && canDecide ? (
        <form action={action} className="mt-3 grid gap-3 md:grid-cols-2">
          <input type="hidden" name="runId" value={approval.runId} />
          <input type="hidden" name="approvalId" value={approval.id} />
          <input type="hidden" name="originalArgs" value={JSON.stringify(approval.currentArgs)} />
          <input type="hidden" name="argsHash" value={approval.argsHash} />
          <div>
            <label htmlFor={`${id}-args`} className="label">
              {approval.tool === null ? 'Data' : 'Args'} (edit to approve with changes)
            </label>
            {edited && (
              <p className="muted text-sm" data-approval="edited">
                Edited by an approver: {approval.approvals} of {approval.required} approvals are for these args.
              </p>
            )}
            <textarea
              id={`${id}-args`}
              name="args"
              defaultValue={originalArgs}
              rows={Math.min(12, originalArgs.split('\n').length + 1)}
              spellCheck={false}
              className="input font-mono text-xs"
              aria-invalid={argsError ? true : undefined}
              aria-describedby={argsError ? `${id}-args-error` : undefined}
            />
            {argsError && (
              <p id={`${id}-args-error`} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
                {argsError.join('; ')}
              </p>
            )}
          </div>
          <div className="flex flex-col gap-3">
            <div>
              <label htmlFor={`${id}-comment`} className="label">
                Comment (optional)
              </label>
              <textarea id={`${id}-comment`} name="comment" rows={3} maxLength={4000} className="input" />
            </div>
            <div className="flex flex-wrap gap-2">
              <button type="submit" name="decision" value="approve" className="btn btn-primary" disabled={pending}>
                Approve
              </button>
              <button type="submit" name="decision" value="reject" className="btn btn-danger" disabled={pending}>
                Reject
              </button>
            </div>
            {state.message && (
              <p
                role={state.ok ? 'status' : 'alert'}
                className={`text-sm ${state.ok ? 'text-emerald-800 dark:text-emerald-300' : 'text-red-700 dark:text-red-400'}`}
              >
                {state.message}
              </p>
            )}
          </div>
        </form>
      ) : (
        <details className="mt-2">
          <summary className="cursor-pointer text-sm">Args</summary>
          <pre className="code mt-1" tabIndex={0} aria-label="Args">
            <code>{originalArgs}</code>
          </pre>
        </details>
      )}
    </article>
  );
}
