'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { failure, type ActionResult } from '@/lib/action-result';
import { parseJsonField } from '@/lib/json-field';
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

/** The dialog's own key: a second click, or a retry after a lost answer, finds the same run. */
const idempotencyKey = z.string().trim().min(1).max(200);
const replayForm = z.object({ runId, idempotencyKey });
const forkForm = z.object({ runId, idempotencyKey, fromStep: z.string().trim().min(1).max(200), input: z.string().max(1_000_000).optional() });

/** Replays an ended run (POST /v1/runs/:id/replay) and goes to the new run. */
export async function replayRunAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = replayForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return invalid(form.error);
  const { client } = await requireSession();
  let replayId: string;
  try {
    replayId = (await client.replayRun(form.data.runId, { idempotencyKey: form.data.idempotencyKey })).id;
  } catch (error) {
    return failure(error);
  }
  redirect(`/runs/${encodeURIComponent(replayId)}`);
}

/** Forks a run from a step (POST /v1/runs/:id/fork), with the input given or the original's, and goes to the new run. */
export async function forkRunAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = forkForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return invalid(form.error);
  const { value: input, errors } = parseJsonField(form.data.input, 'input');
  if (errors) return { ok: false, message: 'Check the form.', fieldErrors: errors };
  const { client } = await requireSession();
  let forkId: string;
  try {
    const fork = await client.forkRun(form.data.runId, {
      fromStep: form.data.fromStep,
      idempotencyKey: form.data.idempotencyKey,
      ...(input === undefined ? {} : { input: input as never }),
    });
    forkId = fork.id;
  } catch (error) {
    return failure(error);
  }
  redirect(`/runs/${encodeURIComponent(forkId)}`);
}
