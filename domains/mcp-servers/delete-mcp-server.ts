import { recordAdminAction } from '../../lib/admin-audit';
import type { McpServerView } from '../../lib/api-client/schemas';
import { AppError } from '../../lib/errors';
import type { Principal } from '../keys';
import type { McpServerDeps } from './mcp-server-deps';
import { presentMcpServer, type McpServerRow } from './mcp-server-row';

/**
 * Removes one of the tenant's MCP servers (another tenant's name is a 404): its tools stop
 * resolving in this process at once and in the others within their catalogs' lifetime.
 */
export async function deleteMcpServer(deps: Pick<McpServerDeps, 'db' | 'onChange'>, principal: Principal, name: string): Promise<McpServerView> {
  const { tenantId, actor } = principal;
  const row = await deps.db.transaction(async (trx) => {
    const [deleted] = await trx<McpServerRow>('mcp_servers').where({ tenant_id: tenantId, name }).delete().returning('*');
    if (!deleted) throw new AppError('not_found', `no MCP server "${name}" in this tenant (GET /v1/mcp-servers lists them)`);
    await recordAdminAction(trx, { tenantId, actor, action: 'mcp_server.deleted', target: name, details: { url: deleted.url } });
    return deleted;
  });
  deps.onChange?.(tenantId);
  return presentMcpServer(row);
}
