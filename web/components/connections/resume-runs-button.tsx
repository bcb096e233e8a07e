'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { resumeWaitingRunsAction, type ResumeResult } from '@/app/(app)/connections/actions';

const initial: ResumeResult = { ok: false, message: null, fieldErrors: {}, resumed: [] };

/** Signals the user's runs in awaiting_connection that can go on now, and lists the ones that did. */
export function ResumeRunsButton({ userId }: { userId: string }) {
  const [state, action, pending] = useActionState(resumeWaitingRunsAction, initial);
  return (
    <form action={action} className="card space-y-2 p-3" aria-label="Resume waiting runs">
      <input type="hidden" name="userId" value={userId} />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className="btn" disabled={pending}>
          {pending ? 'Resuming…' : 'Resume waiting runs'}
        </button>
        <p className="muted text-sm">
          Runs of {userId} waiting for a connection go on once its account is ACTIVE (the API also checks by itself every COMPOSIO_CONNECTION_POLL_MS unless
          that is 0).
        </p>
      </div>
      {state.message && (
        <p role={state.ok ? 'status' : 'alert'} className={`text-sm ${state.ok ? '' : 'text-red-700 dark:text-red-400'}`}>
          {state.message}
        </p>
      )}
      {state.resumed.length > 0 && (
        <ul className="text-sm" data-testid="resumed-runs">
          {state.resumed.map((run) => (
            <li key={run.runId} data-resumed-run={run.runId}>
              <Link href={`/runs/${run.runId}`} className="underline">
                {run.runId}
              </Link>{' '}
              <span className="muted">
                ({run.toolkit}, account <code>{run.connectedAccountId}</code>)
              </span>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
