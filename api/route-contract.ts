import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { parseOrThrow } from '../lib/errors';
import type { Role } from '../lib/run-spec';
import { principalWithRole, type Principal } from './auth';

/**
 * The least role a route needs; `public` routes are served without an API key, `metrics` routes
 * to whoever sends FLIGHTDECK_METRICS_TOKEN (checked by the app before the route, not an API key).
 */
export type RouteRole = Role | 'public' | 'metrics';
export type RouteMethod = 'get' | 'post' | 'put' | 'delete';

/** What a handler answers with: JSON, with the declared success status unless it names another. */
export interface JsonReply {
  status?: number;
  json: unknown;
}

/** What a schema parses to; `undefined` where the route declares none. */
export type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler is given: the request parsed by the route's schemas, and the caller. */
export interface RouteCall<P, Q, B, R extends RouteRole> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** The caller, already checked to hold the route's role; null on a public route. */
  principal: R extends 'public' | 'metrics' ? null : Principal;
  request: Request;
  /** For the few routes that do not answer JSON (metrics, the API reference): they write it and return nothing. */
  response: Response;
}

interface RouteFields<P, Q, B, R extends RouteRole> {
  method: RouteMethod;
  /** The full Express-style path (`/v1/runs/:id`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  role: R;
  params?: P;
  query?: Q;
  body?: B;
  /** An omitted body reads as `{}` (every field of such a body is optional). */
  bodyOptional?: boolean;
  /** How a body that fails to parse is named in the error (`Invalid run spec`); `body` by default. */
  bodyName?: string;
  success: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** The error statuses the route answers with, all in the one error shape. */
  errors: number[];
}

/** A route's raw inputs, before its schemas parse them: what a request carries, or an MCP tool's arguments split up. */
export interface RouteInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

/** One REST route as the router, the OpenAPI document and the MCP tools (api/mcp) read it. */
export interface RouteContract<D> extends RouteFields<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined, RouteRole> {
  /** Parses the request, checks the role, runs the handler and writes its reply. */
  serve(request: Request, response: Response, deps: D): Promise<void>;
  /**
   * The same parsing, role check and handler for inputs that did not come as a REST request (an
   * MCP tool call): the reply is returned, not written. `request` carries the caller
   * (`request.principal`); a handler that writes `response` itself (metrics, docs) returns nothing.
   */
  invoke(input: RouteInput, request: Request, response: Response, deps: D): Promise<JsonReply | void>;
}

/**
 * Declares a route once: method, path, role, schemas, summary and handler. Parsing runs in the
 * order the routes always used (path, query, body, then the role), so a malformed request is a
 * 400 whatever the key, and a well-formed one a 403 when the role is short.
 */
export function defineRoute<
  D,
  R extends RouteRole,
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(route: RouteFields<P, Q, B, R> & { handler: (call: RouteCall<P, Q, B, R>, deps: D) => Promise<JsonReply | void> | JsonReply | void }): RouteContract<D> {
  const { handler, ...fields } = route;
  const invoke = async (input: RouteInput, request: Request, response: Response, deps: D) => {
    const params = fields.params ? parseOrThrow(fields.params, input.params, 'path') : undefined;
    const query = fields.query ? parseOrThrow(fields.query, input.query, 'query') : undefined;
    const rawBody: unknown = fields.bodyOptional ? (input.body ?? {}) : input.body;
    const body = fields.body ? parseOrThrow(fields.body, rawBody, fields.bodyName ?? 'body') : undefined;
    const principal = fields.role === 'public' || fields.role === 'metrics' ? null : principalWithRole(request, fields.role);
    const call = { params, query, body, principal, request, response } as RouteCall<P, Q, B, R>;
    return handler(call, deps);
  };
  return {
    ...fields,
    invoke,
    async serve(request, response, deps) {
      const reply = await invoke({ params: request.params, query: request.query, body: request.body }, request, response, deps);
      if (reply) response.status(reply.status ?? fields.success.status).json(reply.json);
    },
  };
}

/** An Express app or router: anything routes can be mounted on by method. */
type Mountable = Record<RouteMethod, (path: string, handler: RequestHandler) => unknown>;

/** Mounts each route on the app or router at its declared method and path, in the order given. */
export function registerRoutes<D>(router: Mountable, routes: ReadonlyArray<RouteContract<D>>, deps: D): void {
  for (const route of routes) {
    router[route.method](route.path, (request: Request, response: Response) => route.serve(request, response, deps));
  }
}
