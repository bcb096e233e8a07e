import type { McpServerView } from '../../lib/api-client/schemas';
import type { McpServerRow } from '../../tools/mcp/tenant-mcp-rows';

export { headersContextOf, type McpServerRow } from '../../tools/mcp/tenant-mcp-rows';

/** A server as the API serves it: header names, never their values. */
export function presentMcpServer(row: McpServerRow): McpServerView {
  return {
    name: row.name,
    url: row.url,
    headerNames: row.header_names,
    timeout: row.timeout,
    retryToolErrors: row.retry_tool_errors,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
  };
}
