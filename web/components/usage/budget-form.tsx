'use client';

import { startTransition, useActionState, useState } from 'react';
import { setBudgetAction } from '@/app/(app)/usage/actions';
import { Field } from '@/components/ui/form-field';
import type { ActionResult } from '@/lib/action-result';
import { budgetForm, budgetFormErrors } from '@/lib/budget-form';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

/**
 * Sets the tenant's monthly budget, or clears it. Checked in the browser with the schema the
 * server action uses (web/lib/budget-form.ts) before anything is sent; the API's refusal shows here.
 */
export function BudgetForm({ monthlyUsd }: { monthlyUsd: number | null }) {
  const [state, action, pending] = useActionState(setBudgetAction, initial);
  const [localErrors, setLocalErrors] = useState<Record<string, string[]> | null>(null);
  const errors = localErrors ?? state.fieldErrors;

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const data = new FormData(event.currentTarget, submitter);
    const checked = budgetForm.safeParse(Object.fromEntries(data));
    if (!checked.success) {
      setLocalErrors(budgetFormErrors(checked.error));
      return;
    }
    setLocalErrors(null);
    startTransition(() => action(data));
  };

  return (
    // Keyed by the budget, so the field shows the budget as set or cleared once the page reloads it.
    <form
      key={String(monthlyUsd)}
      onSubmit={submit}
      noValidate
      className="mt-4 space-y-3 border-t border-zinc-200 pt-4 dark:border-zinc-800"
      aria-label="Monthly budget"
    >
      <div className="max-w-xs">
        <Field
          name="monthlyUsd"
          label="Monthly budget (USD)"
          hint="A model call that would pass it is not made: its run fails with BudgetExceeded."
          errors={errors.monthlyUsd ?? errors.intent}
        >
          {(props) => (
            <input
              {...props}
              name="monthlyUsd"
              inputMode="decimal"
              defaultValue={monthlyUsd === null ? '' : String(monthlyUsd)}
              placeholder="50"
              className="input"
            />
          )}
        </Field>
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="submit" name="intent" value="set" className="btn btn-primary" disabled={pending}>
          {pending ? 'Saving…' : 'Set budget'}
        </button>
        {monthlyUsd !== null && (
          <button type="submit" name="intent" value="clear" className="btn" disabled={pending}>
            Clear budget
          </button>
        )}
      </div>
      {state.message && !localErrors && (
        <p role={state.ok ? 'status' : 'alert'} className={`text-sm ${state.ok ? '' : 'text-red-700 dark:text-red-400'}`} data-testid="budget-message">
          {state.message}
        </p>
      )}
    </form>
  );
}
