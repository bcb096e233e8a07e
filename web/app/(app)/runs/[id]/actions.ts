'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { failure, type ActionResult } from '@/lib/action-result';
import { requireSession } from '@/lib/session';

const runId = z.string().min(1).max(100);
const cancelForm = z.object({ runId, reason: z.string().trim().max(1000).optional() });
const messageForm = z.object({ runId, text: z.string().trim().min(1, 'write a message first').max(32_000) });

const invalid = (error: z.ZodError): ActionResult => ({
  ok: false,
  message: 'Check the form.',
  fieldErrors: Object.fromEntries(error.issues.map((issue) => [issue.path.join('.'), [issue.message]])),
});

export async function cancelRunAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = cancelForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return invalid(form.error);
  const { client } = await requireSession();
  try {
    await client.cancelRun(form.data.runId, form.data.reason || undefined);
  } catch (error) {
    return failure(error);
  }
  revalidatePath(`/runs/${form.data.runId}`);
  return { ok: true, message: 'Cancel requested: the run stops its current step and ends cancelled.', fieldErrors: {} };
}

export async function sendMessageAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = messageForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return invalid(form.error);
  const { client } = await requireSession();
  try {
    await client.sendMessage(form.data.runId, form.data.text);
  } catch (error) {
    return failure(error);
  }
  return { ok: true, message: null, fieldErrors: {} };
}
