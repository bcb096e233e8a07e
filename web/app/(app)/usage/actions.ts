'use server';

import { revalidatePath } from 'next/cache';
import { failure, type ActionResult } from '@/lib/action-result';
import { budgetForm, budgetFormErrors } from '@/lib/budget-form';
import { requireSession } from '@/lib/session';
import { formatUsd } from '@/lib/usage';

/** Sets or clears the tenant's monthly model budget (the API lets admins only). */
export async function setBudgetAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = budgetForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'Check the form.', fieldErrors: budgetFormErrors(form.error) };
  const { client } = await requireSession();
  try {
    const budget = await client.setBudget(form.data.monthlyUsd);
    revalidatePath('/usage');
    return {
      ok: true,
      message: budget.monthlyUsd === null ? 'Monthly budget cleared.' : `Monthly budget set to ${formatUsd(budget.monthlyUsd)}.`,
      fieldErrors: {},
    };
  } catch (error) {
    return failure(error);
  }
}
