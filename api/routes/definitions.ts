import { z } from 'zod';
import { definitionListSchema, type Definition } from '../../lib/api-client/schemas';
import type { DefinitionCatalog } from '../../lib/definitions';
import { defineRoute } from '../route-contract';

/** The run definitions this API knows (definitions/ and FLIGHTDECK_DEFINITIONS_DIR), by name. */
export const definitionsRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/definitions',
    operationId: 'listDefinitions',
    summary: 'Run definitions (defineRun) with their input JSON Schemas',
    role: 'viewer',
    success: { status: 200, description: 'every definition runs may name, sorted by name', schema: definitionListSchema },
    errors: [401, 403],
    handler: (_call, deps: { definitions?: DefinitionCatalog }) => {
      const definitions = [...(deps.definitions ?? new Map()).values()]
        .map(({ definition }): Definition => ({
          name: definition.name,
          description: definition.description ?? null,
          inputSchema: jsonSchemaOf(definition.input),
          outputSchema: definition.output ? jsonSchemaOf(definition.output) : null,
          defaults: { ...definition.defaults },
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      return { json: { definitions } };
    },
  }),
];

/** A schema as JSON Schema; what JSON Schema cannot say (transforms, custom checks) is left out rather than refused. */
const jsonSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
