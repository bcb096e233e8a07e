/** A form field of JSON text: its value (undefined when left empty), or the field's error. */
export function parseJsonField(text: string | undefined, field: string): { value?: unknown; errors?: Record<string, string[]> } {
  if (text === undefined || text.trim() === '') return {};
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { errors: { [field]: [`not valid JSON: ${(error as Error).message}`] } };
  }
}

/** A form field of a JSON object: `{}` when left empty. */
export function parseObjectField(text: string | undefined, field: string): { value?: Record<string, unknown>; errors?: Record<string, string[]> } {
  const parsed = parseJsonField(text, field);
  if (parsed.errors) return { errors: parsed.errors };
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { errors: { [field]: ['must be a JSON object'] } };
  return { value: value as Record<string, unknown> };
}
