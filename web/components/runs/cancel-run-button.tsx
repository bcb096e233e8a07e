'use client';

import { Dialog } from 'radix-ui';
import { useActionState, useState } from 'react';
import { cancelRunAction } from '@/app/(app)/runs/[id]/actions';
import { DialogActions, DialogBox, FormMessage, initialActionResult } from '@/components/ui/action-dialog';

export function CancelRunButton({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  const [state, action, pending] = useActionState(cancelRunAction, initialActionResult);
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <button type="button" className="btn btn-danger">
          Cancel run
        </button>
      </Dialog.Trigger>
      <DialogBox title="Cancel this run?" description="The run records who asked and why, stops its in-flight tool call, and ends cancelled.">
        <form action={action} className="mt-4 space-y-3">
          <input type="hidden" name="runId" value={runId} />
          <div>
            <label htmlFor="cancel-reason" className="label">
              Reason (optional)
            </label>
            <input id="cancel-reason" name="reason" className="input" maxLength={1000} />
          </div>
          <FormMessage state={state} />
          <DialogActions close="Keep running" submit="Cancel run" submitting="Cancelling…" pending={pending} done={state.ok} danger />
        </form>
      </DialogBox>
    </Dialog.Root>
  );
}
