import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Actor } from '../../lib/events';
import { SecretOpenError, type SecretSealer } from '../../lib/sealed-secrets';
import type { McpHttpServerConfig } from './mcp-config';
import type { TenantMcpServer } from './tenant-mcp-catalogs';

/** A row of `mcp_servers` (migrations/20261217000000_mcp_servers.ts): domains/mcp-servers writes them, the tenants' catalogs read them here. */
export interface McpServerRow {
  id: string;
  tenant_id: string;
  name: string;
  url: string;
  headers_sealed: string | null;
  header_names: string[];
  timeout: NonNullable<McpHttpServerConfig['timeout']> | null;
  retry_tool_errors: boolean;
  created_at: Date;
  created_by: Actor;
}

/** What a row's sealed headers are bound to: they open only for the same tenant and server name. */
export const headersContextOf = (tenantId: string, name: string) => `mcp_servers:${tenantId}:${name}`;

/**
 * The tenant's servers as the tool catalog reaches them, headers opened. A row whose headers do
 * not open (its key left FLIGHTDECK_PAYLOAD_KEYS) is left out, with a warning: its tools are
 * unknown until it is registered again.
 */
export async function loadTenantMcpServers(db: Knex, sealer: SecretSealer, tenantId: string, log: Logger): Promise<TenantMcpServer[]> {
  const rows = await db<McpServerRow>('mcp_servers').where({ tenant_id: tenantId }).orderBy('name');
  return rows.flatMap((row): TenantMcpServer[] => {
    let headers: Record<string, string> | undefined;
    try {
      headers = row.headers_sealed ? (JSON.parse(sealer.open(row.headers_sealed, headersContextOf(tenantId, row.name))) as Record<string, string>) : undefined;
    } catch (error) {
      if (!(error instanceof SecretOpenError)) throw error;
      log.warn({ tenantId, server: row.name, reason: error.message }, "a tenant's MCP server headers do not open; its tools are missing");
      return [];
    }
    return [
      {
        name: row.name,
        version: String(row.id),
        config: {
          url: row.url,
          ...(headers ? { headers } : {}),
          ...(row.timeout ? { timeout: row.timeout } : {}),
          ...(row.retry_tool_errors ? { retryToolErrors: true } : {}),
        },
      },
    ];
  });
}
