'use client';

import { Dialog } from 'radix-ui';
import type { ReactNode } from 'react';
import type { ActionResult } from '@/lib/action-result';

export const initialActionResult: ActionResult = { ok: false, message: null, fieldErrors: {} };

/** A modal dialog's overlay, box, title and description; the form goes in `children`. */
export function DialogBox({ title, description, wide = false, children }: { title: ReactNode; description: ReactNode; wide?: boolean; children: ReactNode }) {
  return (
    <Dialog.Portal>
      <Dialog.Overlay className="fixed inset-0 bg-black/40" />
      <Dialog.Content className={`card fixed left-1/2 top-1/2 ${wide ? 'w-[min(32rem,92vw)]' : 'w-[min(28rem,92vw)]'} -translate-x-1/2 -translate-y-1/2 p-5`}>
        <Dialog.Title className="text-lg font-semibold">{title}</Dialog.Title>
        <Dialog.Description className="muted mt-1 text-sm">{description}</Dialog.Description>
        {children}
      </Dialog.Content>
    </Dialog.Portal>
  );
}

/** A server action's message: a status when it worked, an alert when not. */
export function FormMessage({ state }: { state: ActionResult }) {
  if (!state.message) return null;
  return (
    <p role={state.ok ? 'status' : 'alert'} className={state.ok ? 'text-sm text-emerald-800 dark:text-emerald-300' : 'text-sm text-red-700 dark:text-red-400'}>
      {state.message}
    </p>
  );
}

/** The dialog's buttons: one that closes it, and the form's submit. */
export function DialogActions({
  close,
  submit,
  submitting,
  pending,
  done = false,
  danger = false,
}: {
  close: string;
  submit: string;
  /** The submit's label while the action runs. */
  submitting: string;
  pending: boolean;
  /** The action did its work: the submit stays disabled. */
  done?: boolean;
  danger?: boolean;
}) {
  return (
    <div className="flex justify-end gap-2">
      <Dialog.Close asChild>
        <button type="button" className="btn">
          {close}
        </button>
      </Dialog.Close>
      <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={pending || done}>
        {pending ? submitting : submit}
      </button>
    </div>
  );
}
