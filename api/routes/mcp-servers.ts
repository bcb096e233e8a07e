import { deleteMcpServer, listMcpServers, registerMcpServer, type McpServerDeps } from '../../domains/mcp-servers';
import { mcpServerBodySchema, mcpServerListSchema } from '../../lib/api-client/schemas';
import { z } from 'zod';
import { mcpServerNameSchema, tenantMcpServerSchema } from '../../tools/mcp/mcp-config';
import { defineRoute } from '../route-contract';

const mcpServerNameParams = z.object({ name: mcpServerNameSchema });

/**
 * A tenant's own MCP servers (Streamable HTTP only), whose tools its runs call as
 * `mcp.<server>.<tool>`: its admins register, list and remove them. Header values are never served.
 */
export const mcpServersRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/mcp-servers',
    operationId: 'registerMcpServer',
    summary: "Register an MCP server (Streamable HTTP) for the caller's tenant",
    description:
      'Its tools become `mcp.<name>.<tool>` for this tenant only. Stdio servers are refused; the URL must pass the network policy (FLIGHTDECK_HTTP_ALLOW); header values are stored sealed (FLIGHTDECK_PAYLOAD_KEYS) and never served.',
    role: 'admin',
    body: tenantMcpServerSchema,
    success: { status: 201, description: 'the server as stored (header names, not values)', schema: mcpServerBodySchema },
    errors: [400, 401, 403, 409],
    handler: async ({ body, principal }, deps: { mcpServers: McpServerDeps }) => ({
      json: { mcpServer: await registerMcpServer(deps.mcpServers, principal, body) },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/mcp-servers',
    operationId: 'listMcpServers',
    summary: "List the tenant's MCP servers",
    role: 'admin',
    success: { status: 200, description: "the tenant's servers by name (header names, not values)", schema: mcpServerListSchema },
    errors: [401, 403],
    handler: async ({ principal }, deps: { mcpServers: McpServerDeps }) => ({
      json: { mcpServers: await listMcpServers(deps.mcpServers.db, principal.tenantId) },
    }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/mcp-servers/:name',
    operationId: 'deleteMcpServer',
    summary: "Remove one of the tenant's MCP servers",
    role: 'admin',
    params: mcpServerNameParams,
    success: { status: 200, description: 'the server as it was', schema: mcpServerBodySchema },
    errors: [400, 401, 403, 404],
    handler: async ({ params, principal }, deps: { mcpServers: McpServerDeps }) => ({
      json: { mcpServer: await deleteMcpServer(deps.mcpServers, principal, params.name) },
    }),
  }),
];
