'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { failure, type ActionResult } from '@/lib/action-result';
import { parseObjectField } from '@/lib/json-field';
import { requireSession } from '@/lib/session';

const startForm = z.object({
  mode: z.enum(['form', 'paste']),
  name: z.string().trim().max(200).optional(),
  tags: z.string().max(2000).optional(),
  idempotencyKey: z.string().trim().max(200).optional(),
  userId: z.string().trim().max(200).optional(),
  input: z.string().max(256_000).optional(),
  definition: z.string().max(256_000).optional(),
  spec: z.string().max(256_000).optional(),
});

/** Which form field an API detail path belongs to (`plan.steps.0.tool` → definition). */
function fieldOf(path: string, mode: 'form' | 'paste'): string {
  if (mode === 'paste') return 'spec';
  const head = path.split('.')[0] ?? '';
  return ['name', 'tags', 'idempotencyKey', 'userId', 'input'].includes(head) ? head : 'definition';
}

/**
 * Starts a run from the form (fields plus a JSON definition) or a pasted spec. The API's 400/422
 * details carry paths; each lands under the field it is about, with its path.
 */
export async function startRunAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = startForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'The form is incomplete; reload the page.', fieldErrors: {} };
  const data = form.data;
  let spec: Record<string, unknown>;
  if (data.mode === 'paste') {
    const parsed = parseObjectField(data.spec, 'spec');
    if (parsed.errors) return { ok: false, message: 'Fix the spec first.', fieldErrors: parsed.errors };
    spec = parsed.value!;
  } else {
    const input = parseObjectField(data.input, 'input');
    const definition = parseObjectField(data.definition, 'definition');
    if (input.errors || definition.errors) return { ok: false, message: 'Fix the highlighted fields.', fieldErrors: { ...input.errors, ...definition.errors } };
    const tags = (data.tags ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
    spec = {
      ...(data.name ? { name: data.name } : {}),
      ...(tags.length ? { tags } : {}),
      ...(data.idempotencyKey ? { idempotencyKey: data.idempotencyKey } : {}),
      ...(data.userId ? { userId: data.userId } : {}),
      ...(Object.keys(input.value!).length ? { input: input.value } : {}),
      ...definition.value,
    };
  }
  const { client } = await requireSession();
  let runId: string;
  try {
    runId = (await client.startRun(spec as never)).run.id;
  } catch (error) {
    const result = failure(error);
    const fieldErrors: Record<string, string[]> = {};
    for (const [path, messages] of Object.entries(result.fieldErrors)) {
      (fieldErrors[fieldOf(path, data.mode)] ??= []).push(...messages.map((message) => (path && path !== '(root)' ? `${path}: ${message}` : message)));
    }
    return { ...result, fieldErrors };
  }
  redirect(`/runs/${runId}`);
}

const definitionStartForm = z.object({
  definition: z.string().min(1).max(200),
  input: z.string().max(256_000),
  idempotencyKey: z.string().trim().max(200).optional(),
});

/**
 * Starts a definition with the input the browser assembled and checked. The API checks it again
 * against the definition's own schema; its `input.<field>` details land at the field.
 */
export async function startDefinitionRunAction(_previous: ActionResult, formData: FormData): Promise<ActionResult> {
  const form = definitionStartForm.safeParse(Object.fromEntries(formData));
  if (!form.success) return { ok: false, message: 'The form is incomplete; reload the page.', fieldErrors: {} };
  const input = parseObjectField(form.data.input, 'input');
  if (input.errors) return { ok: false, message: 'Fix the highlighted fields.', fieldErrors: input.errors };
  const { client } = await requireSession();
  let runId: string;
  try {
    const spec = { definition: form.data.definition, input: input.value, ...(form.data.idempotencyKey ? { idempotencyKey: form.data.idempotencyKey } : {}) };
    runId = (await client.startRun(spec as never)).run.id;
  } catch (error) {
    const result = failure(error);
    const fieldErrors: Record<string, string[]> = {};
    for (const [path, messages] of Object.entries(result.fieldErrors)) {
      const [head, key, ...rest] = path.split('.');
      const field = head === 'input' && key ? key : head === 'idempotencyKey' ? 'idempotencyKey' : '_';
      (fieldErrors[field] ??= []).push(...messages.map((message) => (rest.length ? `${rest.join('.')}: ${message}` : message)));
    }
    return { ...result, fieldErrors };
  }
  redirect(`/runs/${runId}`);
}
