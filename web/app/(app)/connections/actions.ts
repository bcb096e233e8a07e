'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { failure, type ActionResult } from '@/lib/action-result';
import { FlightdeckApiError } from '@/lib/api';
import { isComposioOff, type ResumedRun } from '@/lib/connections';
import { requireSession } from '@/lib/session';

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const connectForm = z.object({
  userId: z.string().trim().min(1, 'the user whose account this is').max(200),
  authConfigId: z.string().trim().min(1, 'the Composio auth config id, e.g. ac_…').max(200),
  callbackUrl: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).optional()),
});
const syncForm = z.object({ userId: z.string().trim().min(1).max(200) });

const composioOffMessage = 'Composio is not configured on the API: COMPOSIO_API_KEY is not set there.';
const fieldErrorsOf = (error: z.ZodError) => Object.fromEntries(error.issues.map((issue) => [issue.path.join('.'), [issue.message]]));

/** Starts a Composio Connect Link for the user and sends the browser to it. */
export async function connectAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = connectForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'Check the form.', fieldErrors: fieldErrorsOf(form.error) };
  const { client } = await requireSession();
  let redirectUrl: string | null;
  try {
    ({ redirectUrl } = await client.startConnection(form.data));
  } catch (error) {
    if (isComposioOff(error)) return { ok: false, message: composioOffMessage, fieldErrors: {} };
    const result = failure(error);
    // Composio's own 422 (an unknown auth config…) comes without a path: it is about the auth config.
    if (Object.keys(result.fieldErrors).length === 0 && error instanceof FlightdeckApiError && error.status === 422) {
      result.fieldErrors.authConfigId = [error.message];
    }
    return result;
  }
  if (!redirectUrl) return { ok: true, message: 'Connection started; Composio gave no page to send you to. Reload to see its status.', fieldErrors: {} };
  redirect(redirectUrl);
}

export interface ResumeResult extends ActionResult {
  resumed: ResumedRun[];
}

/** Resumes the user's runs waiting in awaiting_connection whose toolkit now has an ACTIVE account. */
export async function resumeWaitingRunsAction(_previous: ResumeResult, formData: FormData): Promise<ResumeResult> {
  const form = syncForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'The form is incomplete; reload the page.', fieldErrors: {}, resumed: [] };
  const { client } = await requireSession();
  try {
    const resumed = await client.syncConnections(form.data.userId);
    return {
      ok: true,
      message:
        resumed.length === 0
          ? 'No waiting run could resume: none waits for a toolkit this user has an ACTIVE account for.'
          : `Resumed ${resumed.length} run${resumed.length === 1 ? '' : 's'}.`,
      fieldErrors: {},
      resumed,
    };
  } catch (error) {
    if (isComposioOff(error)) return { ok: false, message: composioOffMessage, fieldErrors: {}, resumed: [] };
    return { ...failure(error), resumed: [] };
  }
}
