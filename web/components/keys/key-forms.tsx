'use client';

import { useActionState } from 'react';
import { createKeyAction, revokeKeyAction } from '@/app/(app)/keys/actions';
import type { ActionResult } from '@/lib/action-result';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

export function CreateKeyForm() {
  const [state, action, pending] = useActionState(createKeyAction, initial);
  const nameError = state.fieldErrors.name?.join('; ');
  return (
    <section className="card p-4" aria-labelledby="create-key-heading">
      <h2 id="create-key-heading" className="mb-3 font-semibold">
        Create a key
      </h2>
      <form action={action} className="flex flex-wrap items-end gap-3">
        <div className="min-w-48 flex-1">
          <label htmlFor="key-name" className="label">
            Name
          </label>
          <input
            id="key-name"
            name="name"
            required
            maxLength={200}
            placeholder="ci, alice…"
            className="input"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'key-name-error' : undefined}
          />
          {nameError && (
            <p id="key-name-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
              {nameError}
            </p>
          )}
        </div>
        <div>
          <label htmlFor="key-role" className="label">
            Role
          </label>
          <select id="key-role" name="role" defaultValue="operator" className="input">
            <option value="viewer">viewer — reads</option>
            <option value="operator">operator — starts, cancels, chats</option>
            <option value="approver">approver — also decides approvals</option>
            <option value="admin">admin — also manages keys</option>
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Creating…' : 'Create key'}
        </button>
      </form>
      {state.message && (
        <div role={state.ok ? 'status' : 'alert'} className={`mt-3 text-sm ${state.ok ? '' : 'text-red-700 dark:text-red-400'}`}>
          <p>{state.message}</p>
          {state.value && (
            <p className="mt-1">
              <label htmlFor="new-key" className="sr-only">
                The new key
              </label>
              <input id="new-key" readOnly value={state.value} className="input font-mono" onFocus={(event) => event.currentTarget.select()} />
            </p>
          )}
        </div>
      )}
    </section>
  );
}

export function RevokeKeyButton({ keyId, name }: { keyId: string; name: string }) {
  const [state, action, pending] = useActionState(revokeKeyAction, initial);
  return (
    <form action={action} className="inline">
      <input type="hidden" name="keyId" value={keyId} />
      <button type="submit" className="btn" disabled={pending} aria-label={`Revoke key ${name}`}>
        Revoke
      </button>
      {state.message && !state.ok && (
        <span role="alert" className="ml-2 text-xs text-red-700 dark:text-red-400">
          {state.message}
        </span>
      )}
    </form>
  );
}
