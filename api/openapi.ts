import { z } from 'zod';
import { errorBodySchema } from '../lib/errors';
import type { RouteContract } from './route-contract';

type JsonSchema = Record<string, unknown>;
type Route = RouteContract<never>;

/**
 * zod emits each schema on its own, with what it defines (recursive JSON values, say) under a
 * local `$defs`. OpenAPI tools resolve refs against the whole document, so the definitions move
 * to `components/schemas` and the refs follow them. Identical definitions share one component.
 */
class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly names = new Map<string, string>();

  constructor() {
    // zod names what it cannot inline `__schema0`; a JSON value (z.json()) is the one our schemas hold.
    const { $defs } = z.toJSONSchema(z.object({ value: z.json() })) as { $defs: Record<string, JsonSchema> };
    const [key] = Object.keys($defs);
    this.names.set(`${JSON.stringify($defs)}\u0000${key}`, 'JsonValue');
  }

  of(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const {
      $schema: _dialect,
      $defs = {},
      ...root
    } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    // A schema that refers to itself does so as `#`, which in a document is the document: it becomes a definition too.
    const selfReferring = JSON.stringify(root).includes('"$ref":"#"');
    const definitions = selfReferring ? { ...$defs, '': root } : $defs;
    if (Object.keys(definitions).length === 0) return root;
    // A definition means the same wherever its whole group of definitions is the same.
    const group = JSON.stringify(definitions);
    const renamed = new Map(Object.keys(definitions).map((key) => [key, this.nameFor(`${group}\u0000${key}`)]));
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => {
          const local = key === '$ref' && typeof inner === 'string' ? /^#(?:\/\$defs\/(.+))?$/.exec(inner) : null;
          return [key, local ? `#/components/schemas/${renamed.get(local[1] ?? '')}` : rewrite(inner)];
        }),
      );
    };
    for (const [key, definition] of Object.entries(definitions)) this.schemas[renamed.get(key)!] ??= rewrite(definition) as JsonSchema;
    return selfReferring ? { $ref: `#/components/schemas/${renamed.get('')}` } : (rewrite(root) as JsonSchema);
  }

  private nameFor(identity: string): string {
    let name = this.names.get(identity);
    if (!name) {
      name = `Shared${this.names.size + 1}`;
      this.names.set(identity, name);
    }
    return name;
  }
}

function parametersOf(route: Route, components: SchemaComponents) {
  const list = (where: 'path' | 'query', schema?: z.ZodObject) =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: components.of(field as z.ZodType, 'input'),
    }));
  return [...list('path', route.params), ...list('query', route.query)];
}

function operationOf(route: Route, components: SchemaComponents) {
  const { success } = route;
  const successContent = success.schema
    ? { content: { 'application/json': { schema: components.of(success.schema, 'output') } } }
    : success.contentType
      ? { content: { [success.contentType]: { schema: { type: 'string' } } } }
      : {};
  const needs =
    route.role === 'public'
      ? { security: [] }
      : route.role === 'metrics'
        ? { security: [{ metricsToken: [] }], description: describeRole(route) }
        : { security: [{ apiKey: [] }], 'x-required-role': route.role, description: describeRole(route) };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...needs,
    parameters: parametersOf(route, components),
    ...(route.body ? { requestBody: { required: !route.bodyOptional, content: { 'application/json': { schema: components.of(route.body, 'input') } } } } : {}),
    responses: {
      [success.status]: { description: success.description, ...successContent },
      ...Object.fromEntries(route.errors.map((status) => [status, { $ref: '#/components/responses/Error' }])),
    },
  };
}

const describeRole = (route: Route) =>
  [
    route.role === 'metrics'
      ? 'Needs FLIGHTDECK_METRICS_TOKEN (open when it is unset, outside production).'
      : `Needs the ${route.role} role (viewer < operator < approver < admin).`,
    route.description,
  ]
    .filter(Boolean)
    .join(' ');

/** OpenAPI 3.1 (JSON Schema 2020-12, which zod emits) for `GET /v1/openapi.json`, built from the route declarations. */
export function buildOpenApiDocument(routes: ReadonlyArray<Route>, options: { version: string }) {
  const components = new SchemaComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method] = operationOf(route, components);
  }
  const errorSchema = components.of(errorBodySchema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flightdeck API',
      version: options.version,
      description: 'Runs, events, control and keys. The ws stream is at /v1/stream (see docs/api.md).',
      // package.json says UNLICENSED: not open source. SPDX spells a licence of one's own LicenseRef-….
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    // Relative: the document describes whichever host serves it.
    servers: [{ url: '/', description: 'The API that serves this document' }],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'FLIGHTDECK_METRICS_TOKEN: `Authorization: Bearer <token>`' },
      },
      responses: { Error: { description: 'The error shape', content: { 'application/json': { schema: errorSchema } } } },
    },
  };
}
export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
