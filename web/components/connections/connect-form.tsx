'use client';

import { useActionState } from 'react';
import { connectAction } from '@/app/(app)/connections/actions';
import type { ActionResult } from '@/lib/action-result';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

function Field({
  id,
  name,
  label,
  error,
  ...input
}: { id: string; name: string; label: string; error: string | undefined } & React.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className="min-w-48 flex-1">
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input id={id} name={name} className="input" aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...input} />
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

/** Starts a Composio Connect Link through an auth config; the browser then goes to Composio's page. */
export function ConnectForm({ userId }: { userId: string }) {
  const [state, action, pending] = useActionState(connectAction, initial);
  const errorOf = (field: string) => state.fieldErrors[field]?.join('; ');
  return (
    <form action={action} className="card flex flex-wrap items-end gap-2 p-3" aria-label="Connect an account">
      <h2 className="w-full font-semibold">Connect an account for {userId}</h2>
      <input type="hidden" name="userId" value={userId} />
      <Field id="connect-auth-config" name="authConfigId" label="Auth config id" error={errorOf('authConfigId')} required placeholder="ac_…" />
      <Field id="connect-callback" name="callbackUrl" label="Callback URL (optional)" error={errorOf('callbackUrl')} type="url" placeholder="https://…" />
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? 'Connecting…' : 'Connect'}
      </button>
      {state.message && (
        <p role={state.ok ? 'status' : 'alert'} className={`w-full text-sm ${state.ok ? '' : 'text-red-700 dark:text-red-400'}`}>
          {state.message}
        </p>
      )}
    </form>
  );
}
