import { z } from 'zod';

/**
 * A definition's input form, derived from its input JSON Schema (`z.toJSONSchema` of the zod
 * schema the definition declares), and checked in the browser with that same schema turned back
 * into zod (`z.fromJSONSchema`). The API checks it again with the original: the browser only
 * spares a round trip.
 */
export type FieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'choice' | 'json';

export interface SchemaField {
  key: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  description?: string;
  choices?: string[];
  /** What the control starts with: the schema's default, shown as the control shows it. */
  initial?: string | boolean;
}

type JsonSchema = Record<string, unknown>;
const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

function choicesOf(schema: JsonSchema): string[] | undefined {
  if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string')) return schema.enum as string[];
  const options = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(options) && options.every((option) => isObject(option) && typeof option.const === 'string')) {
    return options.map((option) => (option as { const: string }).const);
  }
  return undefined;
}

function kindOf(schema: JsonSchema): FieldKind {
  if (choicesOf(schema)) return 'choice';
  switch (schema.type) {
    case 'string':
      return 'text';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

function initialOf(kind: FieldKind, value: unknown): string | boolean | undefined {
  if (value === undefined) return undefined;
  if (kind === 'boolean') return value === true;
  if (kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** One field per property of an object schema; anything else is one JSON field for the whole input. */
export function fieldsOf(inputSchema: unknown): SchemaField[] | null {
  if (!isObject(inputSchema) || inputSchema.type !== 'object' || !isObject(inputSchema.properties)) return null;
  const required = new Set(Array.isArray(inputSchema.required) ? (inputSchema.required as string[]) : []);
  return Object.entries(inputSchema.properties).map(([key, property]) => {
    const schema = isObject(property) ? property : {};
    const kind = kindOf(schema);
    const field: SchemaField = { key, kind, label: typeof schema.title === 'string' ? schema.title : key, required: required.has(key) };
    if (typeof schema.description === 'string') field.description = schema.description;
    const choices = choicesOf(schema);
    if (choices) field.choices = choices;
    const initial = initialOf(kind, schema.default);
    if (initial !== undefined) field.initial = initial;
    return field;
  });
}

export type FormValues = Record<string, string | boolean | undefined>;

/**
 * The input the form's values stand for. An empty optional control is left out (so the schema's
 * default applies); JSON that does not parse is a problem at its field.
 */
export function inputFrom(fields: SchemaField[], values: FormValues): { input: Record<string, unknown>; problems: Record<string, string[]> } {
  const input: Record<string, unknown> = {};
  const problems: Record<string, string[]> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.kind === 'boolean') {
      input[field.key] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    if (text.trim() === '') {
      if (field.required && field.kind === 'text') input[field.key] = text;
      continue;
    }
    if (field.kind === 'number' || field.kind === 'integer') input[field.key] = Number(text);
    else if (field.kind === 'json') {
      try {
        input[field.key] = JSON.parse(text);
      } catch (error) {
        problems[field.key] = [`not valid JSON: ${(error as Error).message}`];
      }
    } else input[field.key] = text;
  }
  return { input, problems };
}

/** The key an issue belongs to: its first path segment, or `_` for the input as a whole. */
const fieldKeyOf = (path: readonly PropertyKey[]) => (path.length > 0 ? String(path[0]) : '_');

/** Checks the input against the definition's schema; the problems by field, or null when it fits. */
export function checkInput(inputSchema: unknown, input: unknown): Record<string, string[]> | null {
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return null; // a schema the browser cannot rebuild: the API's check is the one that counts
  }
  const result = schema.safeParse(input);
  if (result.success) return null;
  const problems: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const nested = issue.path.length > 1 ? `${issue.path.slice(1).join('.')}: ` : '';
    (problems[fieldKeyOf(issue.path)] ??= []).push(`${nested}${issue.message}`);
  }
  return problems;
}
