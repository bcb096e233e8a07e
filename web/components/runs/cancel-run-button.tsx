'use client';

import { Dialog } from 'radix-ui';
import { useActionState, useState } from 'react';
import { cancelRunAction } from '@/app/(app)/runs/[id]/actions';
import type { ActionResult } from '@/lib/action-result';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

export function CancelRunButton({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  const [state, action, pending] = useActionState(cancelRunAction, initial);
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <button type="button" className="btn btn-danger">
          Cancel run
        </button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 bg-black/40" />
        <Dialog.Content className="card fixed left-1/2 top-1/2 w-[min(28rem,92vw)] -translate-x-1/2 -translate-y-1/2 p-5">
          <Dialog.Title className="text-lg font-semibold">Cancel this run?</Dialog.Title>
          <Dialog.Description className="muted mt-1 text-sm">
            The run records who asked and why, stops its in-flight tool call, and ends cancelled.
          </Dialog.Description>
          <form action={action} className="mt-4 space-y-3">
            <input type="hidden" name="runId" value={runId} />
            <div>
              <label htmlFor="cancel-reason" className="label">
                Reason (optional)
              </label>
              <input id="cancel-reason" name="reason" className="input" maxLength={1000} />
            </div>
            {state.message && (
              <p
                role={state.ok ? 'status' : 'alert'}
                className={state.ok ? 'text-sm text-emerald-800 dark:text-emerald-300' : 'text-sm text-red-700 dark:text-red-400'}
              >
                {state.message}
              </p>
            )}
            <div className="flex justify-end gap-2">
              <Dialog.Close asChild>
                <button type="button" className="btn">
                  Keep running
                </button>
              </Dialog.Close>
              <button type="submit" className="btn btn-danger" disabled={pending || state.ok}>
                {pending ? 'Cancelling…' : 'Cancel run'}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
