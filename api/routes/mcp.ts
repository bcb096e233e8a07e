import { mcpMessageBody } from '../../lib/rest-schemas';
import { mcpPath, serveMcpPost, type McpEndpointDeps } from '../mcp/mcp-endpoint';
import { defineRoute } from '../route-contract';

/**
 * Flightdeck as an MCP server (api/mcp, docs/tools.md): one POST per JSON-RPC message, whose tools
 * are the other routes. Any key may post; each tool then needs its own route's role. Other methods
 * are no operation of it: app.ts answers them 405 (`refuseMcpMethods`).
 */
export const mcpRoutes = [
  defineRoute({
    method: 'post',
    path: mcpPath,
    operationId: 'mcp',
    summary: 'MCP (Streamable HTTP): one JSON-RPC request or notification',
    description:
      'Tools: list_definitions, start_run, get_run, list_runs, wait_for_run, cancel_run, list_approvals, decide_approval, send_message; resource run://{id}. Revisions 2025-11-25 (and earlier) and 2026-07-28; see docs/tools.md.',
    role: 'viewer',
    body: mcpMessageBody,
    bodyName: 'JSON-RPC message',
    success: {
      status: 200,
      description:
        'the JSON-RPC response, as an SSE stream scoped to the request (progress notifications, then the response) or as JSON; 202 for a notification',
      contentType: 'text/event-stream',
    },
    errors: [400, 401, 403, 404, 413, 429],
    handler: ({ body, request, response }, deps: McpEndpointDeps) => serveMcpPost(body, request, response, deps),
  }),
];
