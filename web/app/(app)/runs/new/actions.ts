'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { failure, type ActionResult } from '@/lib/action-result';
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

function parseObject(text: string | undefined, field: string): { value?: Record<string, unknown>; errors?: Record<string, string[]> } {
  if (text === undefined || text.trim() === '') return { value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { errors: { [field]: ['must be a JSON object'] } };
    return { value: value as Record<string, unknown> };
  } catch (error) {
    return { errors: { [field]: [`not valid JSON: ${(error as Error).message}`] } };
  }
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
    const parsed = parseObject(data.spec, 'spec');
    if (parsed.errors) return { ok: false, message: 'Fix the spec first.', fieldErrors: parsed.errors };
    spec = parsed.value!;
  } else {
    const input = parseObject(data.input, 'input');
    const definition = parseObject(data.definition, 'definition');
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
