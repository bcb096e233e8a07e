import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { RouteContract, RouteInput } from '../route-contract';

/** What a tool call runs with besides its arguments: the MCP request (with its principal) and how to report progress. */
export interface ToolCallContext {
  /** The `POST /v1/mcp` request, past requireAuth: `request.principal` is the caller. */
  request: Request;
  response: Response;
  /** Aborted when the client closes the response stream (the MCP cancellation of this request) or the API shuts down. */
  signal: AbortSignal;
  /** A `notifications/progress` for this call, when the client asked for progress; a no-op otherwise. */
  progress(progress: number, message: string): Promise<void>;
}

/** MCP's hints about a tool (ToolAnnotations); the role check is the route's, whatever these say. */
export interface ToolHints {
  readOnlyHint: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** One tool of Flightdeck's MCP server: its arguments' zod schema (tools/list shows it as JSON Schema) and its call. */
export interface FlightdeckTool<D> {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  annotations: ToolHints;
  /** The result as JSON (the tool's structured content); throws an AppError when refused. */
  call(args: Record<string, unknown>, context: ToolCallContext, deps: D): Promise<Record<string, unknown>>;
}

const shapeKeys = (schema: z.ZodType | undefined): string[] => (schema && 'shape' in schema ? Object.keys((schema as z.ZodObject).shape) : []);
const pick = (args: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(args).filter(([key]) => keys.includes(key)));

/**
 * A REST route as an MCP tool: its arguments are the route's path parameters, query and body in one
 * object (a body-only route's schema is its body's, exactly), split back apart and handed to the
 * route's own `invoke`, so parsing, the role check, tenant scoping and errors are the route's.
 * Arguments no part of the route names are refused, as REST's strict schemas refuse them.
 */
export function toolFromRoute<D>(route: RouteContract<D>, tool: { name: string; title: string; annotations: ToolHints }): FlightdeckTool<D> {
  if (route.role === 'public' || route.role === 'metrics') throw new Error(`${route.operationId}: only keyed routes are MCP tools`);
  const [paramKeys, queryKeys, bodyKeys] = [shapeKeys(route.params), shapeKeys(route.query), shapeKeys(route.body)];
  if (route.body && !('shape' in route.body)) throw new Error(`${route.operationId}: an MCP tool's body must be an object schema`);
  const clashes = [...paramKeys, ...queryKeys, ...bodyKeys].filter((key, index, all) => all.indexOf(key) !== index);
  if (clashes.length > 0) throw new Error(`${route.operationId}: path, query and body share ${clashes.join(', ')}`);
  const parts = [route.params, route.query, route.body].filter((part): part is z.ZodObject => part !== undefined);
  // Refinements (one of plan/agent/definition, only an approval edits args) stay the route's: JSON Schema cannot say them.
  const inputSchema =
    route.body && parts.length === 1 ? (route.body as z.ZodObject) : z.object(Object.assign({}, ...parts.map((part) => part.shape)) as z.ZodRawShape).strict();
  // The rest of the arguments go to the part that parses unknown keys strictly: the body, else the query.
  const restTo: keyof RouteInput | null = route.body ? 'body' : route.query ? 'query' : null;
  return {
    ...tool,
    description: [route.summary, route.description, `Needs the ${route.role} role; the arguments are those of ${route.method.toUpperCase()} ${route.path}.`]
      .filter(Boolean)
      .join('. '),
    inputSchema,
    async call(args, context, deps) {
      const known = [...paramKeys, ...queryKeys, ...(restTo === 'body' ? [] : bodyKeys)];
      const rest = Object.fromEntries(Object.entries(args).filter(([key]) => !known.includes(key)));
      if (restTo === null && Object.keys(rest).length > 0) {
        throw new AppError(
          'validation_failed',
          'Invalid arguments',
          Object.keys(rest).map((key) => ({ path: key, message: 'not an argument of this tool' })),
        );
      }
      const input: RouteInput = {
        params: pick(args, paramKeys),
        query: restTo === 'query' ? { ...rest, ...pick(args, queryKeys) } : pick(args, queryKeys),
        body: restTo === 'body' ? rest : undefined,
      };
      const reply = await route.invoke(input, context.request, context.response, deps);
      if (!reply || typeof reply.json !== 'object' || reply.json === null) throw new AppError('internal', `${route.operationId} did not answer a JSON object`);
      return reply.json as Record<string, unknown>;
    },
  };
}
