import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { z } from 'zod';

/**
 * MCP tools describe their args in JSON Schema (2020-12 by default since protocol 2025-11-25; older
 * servers send draft-07). Ajv checks args against the server's own schema, so what Flightdeck refuses
 * (a 422 at start for a plan step, a tool error the model reads for an agent) is exactly what the
 * server would: no lossy conversion to zod.
 */
const newAjv = (dialect: 'draft-07' | '2020-12') => {
  // addUsedSchema: false, so a schema with an $id compiles again when the server lists it again.
  const options = { strict: false, allErrors: true, validateSchema: false, addUsedSchema: false } as const;
  const ajv = dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
};
const validators = { 'draft-07': newAjv('draft-07'), '2020-12': newAjv('2020-12') };

const dialectOf = (schema: Record<string, unknown>): 'draft-07' | '2020-12' =>
  typeof schema.$schema === 'string' && /draft-0[4-7]/.test(schema.$schema) ? 'draft-07' : '2020-12';

/** An ajv error's place as a zod path: `/items/0/name` → ['items', 0, 'name'], a missing property named. */
function pathOf(error: ErrorObject): Array<string | number> {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const missing = (error.params as { missingProperty?: unknown }).missingProperty;
  return typeof missing === 'string' ? [...path, missing] : path;
}

/**
 * A zod schema that passes exactly the values the JSON Schema accepts, with one issue per ajv error.
 * A schema ajv cannot compile falls back to "any object" (the server checks), and says so in `problem`.
 */
export function mcpArgsSchema(jsonSchema: Record<string, unknown>): { schema: z.ZodType<Record<string, unknown>>; problem: string | null } {
  let validate: ValidateFunction;
  try {
    validate = validators[dialectOf(jsonSchema)].compile(jsonSchema);
  } catch (error) {
    return { schema: z.record(z.string(), z.unknown()), problem: (error as Error).message };
  }
  const schema = z.record(z.string(), z.unknown()).superRefine((value, context) => {
    if (validate(value)) return;
    for (const error of validate.errors ?? []) {
      context.addIssue({ code: 'custom', path: pathOf(error), message: error.message ?? 'does not fit the schema' });
    }
  });
  return { schema, problem: null };
}
