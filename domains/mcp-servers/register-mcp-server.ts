import { AppError } from '../../lib/errors';
import { recordAdminAction } from '../../lib/admin-audit';
import type { McpServerView } from '../../lib/api-client/schemas';
import type { TenantMcpServerBody } from '../../tools/mcp/mcp-config';
import { refusalForUrl } from '../../tools/network-guard';
import type { Principal } from '../keys';
import type { McpServerDeps } from './mcp-server-deps';
import { headersContextOf, presentMcpServer, type McpServerRow } from './mcp-server-row';

/**
 * Registers a Streamable HTTP MCP server for the caller's tenant: its tools become
 * `mcp.<name>.<tool>` for that tenant's runs. The name may not be an installation server's
 * (FLIGHTDECK_MCP_SERVERS) nor one the tenant has (409); the URL must pass the network policy now
 * (400; every connection is checked again); header values are sealed, and refused if they cannot
 * be (no FLIGHTDECK_PAYLOAD_KEYS). The row and its audit entry land together.
 */
export async function registerMcpServer(deps: McpServerDeps, principal: Principal, body: TenantMcpServerBody): Promise<McpServerView> {
  const { tenantId, actor } = principal;
  if (deps.installationServers.has(body.name)) {
    throw new AppError('conflict', `"${body.name}" is an MCP server of the installation (FLIGHTDECK_MCP_SERVERS): choose another name`, { name: body.name });
  }
  const url = new URL(body.url);
  if (url.username || url.password) {
    throw new AppError('validation_failed', 'Invalid body', [{ path: 'url', message: 'credentials go in "headers" (stored sealed), not in the URL' }]);
  }
  const refusal = await refusalForUrl(deps.networkPolicy, url);
  if (refusal) throw new AppError('validation_failed', 'Invalid body', [{ path: 'url', message: `the network policy refuses it: ${refusal}` }]);
  const headerNames = Object.keys(body.headers ?? {});
  if (headerNames.length > 0 && !deps.sealer.canSeal) {
    throw new AppError(
      'conflict',
      'header values are secrets and are stored sealed: this installation has no FLIGHTDECK_PAYLOAD_KEYS to seal them with (set it on every API and worker), so a server with headers cannot be registered',
      { headerNames },
    );
  }
  const row = await deps.db
    .transaction(async (trx) => {
      const [inserted] = await trx<McpServerRow>('mcp_servers')
        .insert({
          tenant_id: tenantId,
          name: body.name,
          url: body.url,
          headers_sealed: headerNames.length > 0 ? deps.sealer.seal(JSON.stringify(body.headers), headersContextOf(tenantId, body.name)) : null,
          header_names: JSON.stringify(headerNames) as unknown as string[],
          timeout: body.timeout ?? null,
          retry_tool_errors: body.retryToolErrors ?? false,
          created_by: JSON.stringify(actor) as unknown as McpServerRow['created_by'],
        })
        .returning('*');
      await recordAdminAction(trx, { tenantId, actor, action: 'mcp_server.registered', target: body.name, details: { url: body.url, headerNames } });
      return inserted!;
    })
    .catch((error: unknown) => {
      if ((error as { code?: unknown } | null)?.code === '23505') {
        throw new AppError('conflict', `this tenant already has an MCP server "${body.name}" (DELETE /v1/mcp-servers/${body.name} first)`, { name: body.name });
      }
      throw error;
    });
  deps.onChange?.(tenantId);
  return presentMcpServer(row);
}
