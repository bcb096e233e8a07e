import { z } from 'zod';
import { errorBodySchema } from '../lib/errors';
import { runSpecSchema, type Role } from '../lib/run-spec';
import {
  approvalParams,
  approvalsQuery,
  auditQuery,
  connectionsQuery,
  createConnectionBody,
  createKeyBody,
  createScheduleBody,
  decisionBody,
  eventsQuery,
  keyIdParams,
  listRunsQuery,
  messageBody,
  reasonBody,
  runCountsQuery,
  runIdParams,
  scheduleControlBody,
  scheduleIdParams,
  syncConnectionsBody,
  tenantQuery,
} from '../lib/rest-schemas';

interface RouteDoc {
  method: 'get' | 'post' | 'delete';
  /** Express-style path (`/v1/runs/:id`). */
  path: string;
  summary: string;
  role: Role | null;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  success: { status: number; description: string };
  errors: number[];
}

/** The documented surface of the REST API; the schemas are the ones the routes parse with. */
export const routeDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/runs',
    summary: 'Start a run (idempotent with idempotencyKey)',
    role: 'operator',
    body: runSpecSchema,
    success: { status: 201, description: 'created; 200 when idempotencyKey names an existing run with the same spec' },
    errors: [400, 401, 403, 409, 413, 422, 503],
  },
  {
    method: 'get',
    path: '/v1/runs',
    summary: 'List runs, newest first',
    role: 'viewer',
    query: listRunsQuery,
    success: { status: 200, description: '{ runs, nextCursor }' },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/v1/runs/counts',
    summary: 'How many runs match the filters, by status',
    role: 'viewer',
    query: runCountsQuery,
    success: { status: 200, description: '{ counts: { <status>: n }, total }' },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/v1/me',
    summary: 'The calling key: tenant, role, actor',
    role: 'viewer',
    success: { status: 200, description: '{ tenantId, role, superAdmin, actor }' },
    errors: [401],
  },
  {
    method: 'get',
    path: '/v1/runs/:id',
    summary: 'One run',
    role: 'viewer',
    params: runIdParams,
    success: { status: 200, description: '{ run }' },
    errors: [401, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/runs/:id/events',
    summary: "A run's events after a seq",
    role: 'viewer',
    params: runIdParams,
    query: eventsQuery,
    success: { status: 200, description: '{ events, nextAfterSeq, lastSeq }' },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/runs/:id/verify',
    summary: "Verify the run's hash chain; names the first broken link",
    role: 'viewer',
    params: runIdParams,
    success: { status: 200, description: '{ ok, events, lastHash } or { ok: false, firstBroken }' },
    errors: [401, 403, 404],
  },
  {
    method: 'post',
    path: '/v1/runs/:id/cancel',
    summary: 'Cancel a run gracefully',
    role: 'operator',
    params: runIdParams,
    body: reasonBody,
    success: { status: 202, description: '{ run }' },
    errors: [400, 401, 403, 404, 409, 503],
  },
  {
    method: 'post',
    path: '/v1/runs/:id/terminate',
    summary: 'Terminate a run through Temporal',
    role: 'operator',
    params: runIdParams,
    body: reasonBody,
    success: { status: 202, description: '{ run }' },
    errors: [400, 401, 403, 404, 409, 503],
  },
  {
    method: 'post',
    path: '/v1/runs/:id/messages',
    summary: 'Send a chat message to an agent run',
    role: 'operator',
    params: runIdParams,
    body: messageBody,
    success: { status: 202, description: '{ run }' },
    errors: [400, 401, 403, 404, 409, 503],
  },
  {
    method: 'post',
    path: '/v1/runs/:id/approvals/:approvalId',
    summary: 'Decide on a pending approval (approve, reject, approve with edited args)',
    role: 'approver',
    params: approvalParams,
    body: decisionBody,
    success: { status: 202, description: '{ approval }' },
    errors: [400, 401, 403, 404, 409, 422, 503],
  },
  {
    method: 'get',
    path: '/v1/approvals',
    summary: 'Approvals inbox, pending first',
    role: 'viewer',
    query: approvalsQuery,
    success: { status: 200, description: '{ approvals }' },
    errors: [400, 401, 403],
  },
  {
    method: 'post',
    path: '/v1/schedules',
    summary: 'Create a recurring run (cron or interval) as a Temporal Schedule',
    role: 'operator',
    body: createScheduleBody,
    success: { status: 201, description: '{ schedule }' },
    errors: [400, 401, 403, 409, 422, 503],
  },
  {
    method: 'get',
    path: '/v1/schedules',
    summary: "The tenant's schedules",
    role: 'viewer',
    success: { status: 200, description: '{ schedules }' },
    errors: [401, 403, 503],
  },
  {
    method: 'get',
    path: '/v1/schedules/:id',
    summary: 'One schedule: next run times, recent runs',
    role: 'viewer',
    params: scheduleIdParams,
    success: { status: 200, description: '{ schedule }' },
    errors: [401, 403, 404, 503],
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/pause',
    summary: 'Pause a schedule',
    role: 'operator',
    params: scheduleIdParams,
    body: scheduleControlBody,
    success: { status: 200, description: '{ schedule }' },
    errors: [400, 401, 403, 404, 503],
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/unpause',
    summary: 'Unpause a schedule',
    role: 'operator',
    params: scheduleIdParams,
    body: scheduleControlBody,
    success: { status: 200, description: '{ schedule }' },
    errors: [400, 401, 403, 404, 503],
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/trigger',
    summary: "Start the schedule's run now",
    role: 'operator',
    params: scheduleIdParams,
    body: scheduleControlBody,
    success: { status: 202, description: '{ schedule }' },
    errors: [400, 401, 403, 404, 503],
  },
  {
    method: 'delete',
    path: '/v1/schedules/:id',
    summary: 'Delete a schedule (runs it started stay)',
    role: 'operator',
    params: scheduleIdParams,
    success: { status: 200, description: '{ deleted }' },
    errors: [401, 403, 404, 503],
  },
  {
    method: 'get',
    path: '/v1/tools',
    summary: 'Tool catalog with input schemas',
    role: 'viewer',
    success: { status: 200, description: '{ tools }' },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/v1/connections',
    summary: "A Composio user's connected accounts",
    role: 'viewer',
    query: connectionsQuery,
    success: { status: 200, description: '{ connections }' },
    errors: [400, 401, 403, 409, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/connections',
    summary: 'Start connecting a Composio account (Connect Link); returns the redirect URL',
    role: 'operator',
    body: createConnectionBody,
    success: { status: 201, description: '{ connection: { id, status, redirectUrl } }' },
    errors: [400, 401, 403, 409, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/connections/sync',
    summary: "Resume the user's runs in awaiting_connection whose toolkit now has an ACTIVE account",
    role: 'operator',
    body: syncConnectionsBody,
    success: { status: 200, description: '{ resumed: [{ runId, toolkit, connectedAccountId }] }' },
    errors: [400, 401, 403, 409, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/admin/keys',
    summary: 'Create an API key (shown once)',
    role: 'admin',
    body: createKeyBody,
    success: { status: 201, description: '{ key, apiKey }' },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/v1/admin/keys',
    summary: 'List API keys',
    role: 'admin',
    query: tenantQuery,
    success: { status: 200, description: '{ keys }' },
    errors: [400, 401, 403],
  },
  {
    method: 'delete',
    path: '/v1/admin/keys/:id',
    summary: 'Revoke an API key',
    role: 'admin',
    params: keyIdParams,
    query: tenantQuery,
    success: { status: 200, description: '{ apiKey }' },
    errors: [401, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/admin/audit',
    summary: 'Admin audit trail (keys, terminations, schedules, retention), newest first',
    role: 'admin',
    query: auditQuery,
    success: { status: 200, description: '{ entries, nextBeforeId }' },
    errors: [400, 401, 403],
  },
  { method: 'get', path: '/healthz', summary: 'Liveness', role: null, success: { status: 200, description: '{ status: "ok" }' }, errors: [] },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Postgres and Temporal answer',
    role: null,
    success: { status: 200, description: '{ status, checks }' },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    role: null,
    success: { status: 200, description: 'text/plain; version=0.0.4' },
    errors: [],
  },
];

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'input') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

function parametersOf(route: RouteDoc) {
  const list = (where: 'path' | 'query', schema?: z.ZodObject) =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(field as z.ZodType),
    }));
  return [...list('path', route.params), ...list('query', route.query)];
}

/** OpenAPI 3.1 (JSON Schema 2020-12, which zod emits) for `GET /v1/openapi.json`. */
export function buildOpenApiDocument(options: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routeDocs) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [route.success.status]: { description: route.success.description },
      ...Object.fromEntries(route.errors.map((status) => [status, { $ref: '#/components/responses/Error' }])),
    };
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      ...(route.role ? { description: `Needs the ${route.role} role (viewer < operator < approver < admin).`, security: [{ apiKey: [] }] } : { security: [] }),
      parameters: parametersOf(route),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flightdeck API',
      version: options.version,
      description: 'Runs, events, control and keys. The ws stream is at /v1/stream (see docs/api.md).',
    },
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' } },
      responses: { Error: { description: 'The error shape', content: { 'application/json': { schema: jsonSchema(errorBodySchema, 'output') } } } },
    },
  };
}
