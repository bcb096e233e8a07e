'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { ActionResult } from '@/lib/action-result';
import { createConnection } from '@/lib/connections';
import { requireSession, sessionKey } from '@/lib/session';

const connectForm = z.object({
  userId: z.string().trim().min(1, 'the user whose account this is').max(200),
  toolkit: z.string().trim().min(1, 'a toolkit slug, e.g. github').max(100).regex(/^[a-z0-9_-]+$/i, 'letters, digits, "_" or "-"'),
});

/** Starts a Composio connection and sends the browser to the provider's consent page. */
export async function connectAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = connectForm.safeParse(Object.fromEntries(formData));
  if (!form.success) {
    return { ok: false, message: 'Check the form.', fieldErrors: Object.fromEntries(form.error.issues.map((issue) => [issue.path.join('.'), [issue.message]])) };
  }
  await requireSession();
  const result = await createConnection((await sessionKey())!, form.data);
  if (result.kind === 'not_available') return { ok: false, message: 'This API has no connections endpoint (it answered 404). Update the API to manage Composio connections here.', fieldErrors: {} };
  if (result.kind === 'error') {
    const fieldErrors: Record<string, string[]> = {};
    if (Array.isArray(result.details)) {
      for (const detail of result.details as Array<{ path?: string; message?: string }>) {
        const field = detail.path === 'userId' || detail.path === 'toolkit' ? detail.path : 'toolkit';
        (fieldErrors[field] ??= []).push(detail.message ?? 'invalid');
      }
    }
    return { ok: false, message: `${result.message} (${result.code})`, fieldErrors };
  }
  redirect(result.value.redirectUrl);
}
