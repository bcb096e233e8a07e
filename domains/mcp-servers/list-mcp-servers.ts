import type { Knex } from 'knex';
import type { McpServerView } from '../../lib/api-client/schemas';
import { presentMcpServer, type McpServerRow } from './mcp-server-row';

/** The tenant's registered MCP servers by name: header names only, never their values. */
export async function listMcpServers(db: Knex, tenantId: string): Promise<McpServerView[]> {
  const rows = await db<McpServerRow>('mcp_servers').where({ tenant_id: tenantId }).orderBy('name');
  return rows.map(presentMcpServer);
}
