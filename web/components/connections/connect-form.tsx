'use client';

import { useActionState } from 'react';
import { connectAction } from '@/app/(app)/connections/actions';
import type { ActionResult } from '@/lib/action-result';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

export function ConnectForm({ userId }: { userId: string }) {
  const [state, action, pending] = useActionState(connectAction, initial);
  const toolkitError = state.fieldErrors.toolkit?.join('; ');
  return (
    <form action={action} className="card flex flex-wrap items-end gap-2 p-3" aria-label="Connect a toolkit">
      <input type="hidden" name="userId" value={userId} />
      <div className="min-w-48 flex-1">
        <label htmlFor="connect-toolkit" className="label">
          Connect a toolkit for {userId}
        </label>
        <input id="connect-toolkit" name="toolkit" required placeholder="github" className="input" aria-invalid={toolkitError ? true : undefined} aria-describedby={toolkitError ? 'connect-toolkit-error' : undefined} />
        {toolkitError && (
          <p id="connect-toolkit-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
            {toolkitError}
          </p>
        )}
      </div>
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? 'Connecting…' : 'Connect'}
      </button>
      {state.message && (
        <p role="alert" className="w-full text-sm text-red-700 dark:text-red-400">
          {state.message}
        </p>
      )}
    </form>
  );
}
