import { listConnections, resumeWaitingRuns, startConnection, type ConnectionDeps } from '../../domains/connections';
import { connectionListSchema, resumedRunsSchema, startedConnectionSchema } from '../../lib/api-client/schemas';
import { connectionsQuery, createConnectionBody, syncConnectionsBody } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

const composioErrors = [400, 401, 403, 409, 422, 429, 503];

/**
 * A Composio user's connected accounts: list (viewer), start one (operator), resume runs waiting for
 * one (operator). Always the caller's tenant's user: `userId` is scoped to the key's tenant.
 */
export const connectionsRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/connections',
    operationId: 'listConnections',
    summary: "A Composio user's connected accounts",
    role: 'viewer',
    query: connectionsQuery,
    success: { status: 200, description: "the user's connected accounts", schema: connectionListSchema },
    errors: composioErrors,
    handler: async ({ query, principal }, deps: ConnectionDeps) => ({ json: { connections: await listConnections(deps, principal.tenantId, query) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/connections',
    operationId: 'startConnection',
    summary: 'Start connecting a Composio account (Connect Link); returns the redirect URL',
    role: 'operator',
    body: createConnectionBody,
    bodyOptional: true,
    success: { status: 201, description: 'the connection started, with the URL to send the user to', schema: startedConnectionSchema },
    errors: composioErrors,
    handler: async ({ body, principal }, deps: ConnectionDeps) => ({ json: { connection: await startConnection(deps, principal.tenantId, body) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/connections/sync',
    operationId: 'syncConnections',
    summary: "Resume the user's runs in awaiting_connection whose toolkit now has an ACTIVE account",
    role: 'operator',
    body: syncConnectionsBody,
    bodyOptional: true,
    success: { status: 200, description: 'the runs resumed', schema: resumedRunsSchema },
    errors: composioErrors,
    handler: async ({ body, principal }, deps: ConnectionDeps) => ({
      json: { resumed: await resumeWaitingRuns(deps, { tenantId: principal.tenantId, userId: body.userId }, principal.actor) },
    }),
  }),
];
