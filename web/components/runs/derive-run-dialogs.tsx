'use client';

import { Dialog } from 'radix-ui';
import { useActionState, useState } from 'react';
import { forkRunAction, replayRunAction } from '@/app/(app)/runs/[id]/actions';
import { DialogActions, DialogBox, FormMessage, initialActionResult } from '@/components/ui/action-dialog';

/** "Replay": the run's spec again, every tool call answered from this run's log; the model runs live. */
export function ReplayRunButton({ runId }: { runId: string }) {
  // One key per page view: a double click, or a retry after a lost answer, finds the same replay.
  const [idempotencyKey] = useState(() => `dashboard-replay-${crypto.randomUUID()}`);
  const [state, action, pending] = useActionState(replayRunAction, initialActionResult);
  return (
    <Dialog.Root>
      <Dialog.Trigger asChild>
        <button type="button" className="btn">
          Replay
        </button>
      </Dialog.Trigger>
      <DialogBox
        title="Replay this run?"
        description="A new run with the same spec. Every tool call returns this run's recorded result, so nothing outside is touched again; models run live. A tool call this run never made fails the replay (ReplayDiverged)."
      >
        <form action={action} className="mt-4 space-y-3">
          <input type="hidden" name="runId" value={runId} />
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          <FormMessage state={state} />
          <DialogActions close="Close" submit="Start replay" submitting="Starting…" pending={pending} />
        </form>
      </DialogBox>
    </Dialog.Root>
  );
}

/** "Fork from here", for one step: its results before that step are reused, the step and what follows run live. */
export function ForkRunDialog({ runId, fromStep, onClose }: { runId: string; fromStep: string; onClose: () => void }) {
  const [idempotencyKey] = useState(() => `dashboard-fork-${crypto.randomUUID()}`);
  const [state, action, pending] = useActionState(forkRunAction, initialActionResult);
  const inputError = state.fieldErrors.input?.join('; ');
  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <DialogBox
        wide
        title={
          <>
            Fork from <code>{fromStep}</code>?
          </>
        }
        description="A new run with this run's spec. Tool calls that succeeded before this step return their recorded results; this step and everything after it run live."
      >
        <form action={action} className="mt-4 space-y-3">
          <input type="hidden" name="runId" value={runId} />
          <input type="hidden" name="fromStep" value={fromStep} />
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          <div>
            <label htmlFor="fork-input" className="label">
              Input (JSON, optional: this run&apos;s when empty)
            </label>
            <textarea
              id="fork-input"
              name="input"
              className="input font-mono text-xs"
              rows={5}
              aria-invalid={inputError ? true : undefined}
              aria-describedby={inputError ? 'fork-input-error' : undefined}
            />
            {inputError && (
              <p id="fork-input-error" className="mt-1 text-sm text-red-700 dark:text-red-400">
                {inputError}
              </p>
            )}
          </div>
          <FormMessage state={state} />
          <DialogActions close="Close" submit="Start fork" submitting="Starting…" pending={pending} />
        </form>
      </DialogBox>
    </Dialog.Root>
  );
}
