'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { roleSchema } from '../../../../lib/run-spec';
import { failure, type ActionResult } from '@/lib/action-result';
import { requireSession } from '@/lib/session';

const createForm = z.object({ name: z.string().trim().min(1, 'give the key a name').max(200), role: roleSchema });
const revokeForm = z.object({ keyId: z.string().min(1).max(100) });

export async function createKeyAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = createForm.safeParse(Object.fromEntries(formData));
  if (!form.success)
    return {
      ok: false,
      message: 'Check the form.',
      fieldErrors: Object.fromEntries(form.error.issues.map((issue) => [issue.path.join('.'), [issue.message]])),
    };
  const { client } = await requireSession();
  try {
    const created = await client.createKey(form.data);
    revalidatePath('/keys');
    return {
      ok: true,
      message: `Key "${created.apiKey.name}" (${created.apiKey.role}) created. Copy it now: it is not shown again.`,
      fieldErrors: {},
      value: created.key,
    };
  } catch (error) {
    return failure(error);
  }
}

export async function revokeKeyAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = revokeForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'The form is incomplete; reload the page.', fieldErrors: {} };
  const { client } = await requireSession();
  try {
    await client.revokeKey(form.data.keyId);
  } catch (error) {
    return failure(error);
  }
  revalidatePath('/keys');
  return { ok: true, message: 'Revoked.', fieldErrors: {} };
}
