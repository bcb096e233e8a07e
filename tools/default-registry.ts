import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ComposioEnv } from './composio/composio-config';
import { defaultMcpMaxResultBytes, type McpEnv } from './mcp/mcp-config';
import type { NetworkPolicy } from '../lib/network-allow-list';
import type { NamedKey } from '../lib/key-list';
import { createSecretSealer } from '../lib/sealed-secrets';
import { createLogger } from '../lib/logger';
import { createBuiltinTools } from './builtin';
import { ComposioCatalog } from './composio/composio-catalog';
import { ComposioLimiter } from './composio/composio-limits';
import { createComposioSdk } from './composio/composio-sdk';
import { McpCatalog } from './mcp/mcp-catalog';
import { guardedFetch } from './mcp/mcp-guarded-fetch';
import { TenantMcpCatalogs } from './mcp/tenant-mcp-catalogs';
import { loadTenantMcpServers } from './mcp/tenant-mcp-rows';
import { denyPrivateNetworks } from './network-guard';
import { ToolRegistry, type DynamicToolProvider } from './registry';

/** What the worker and the API both read to set up tools (the same variables in both schemas). */
export type ToolsEnv = Pick<ComposioEnv, 'COMPOSIO_API_KEY' | 'COMPOSIO_BASE_URL' | 'COMPOSIO_TOOLKITS'> & {
  COMPOSIO_LIMITS?: ComposioEnv['COMPOSIO_LIMITS'];
  FLIGHTDECK_HTTP_ALLOW?: NetworkPolicy;
  /** Open the headers of the tenants' MCP servers (sealed in `mcp_servers`). */
  FLIGHTDECK_PAYLOAD_KEYS?: readonly NamedKey[];
} & Partial<McpEnv>;

export interface ToolRegistryOptions {
  env?: ToolsEnv;
  log?: Logger;
  /**
   * The database: with it, Composio calls take slots under the shared limits and 429 holds, and
   * each tenant's own MCP servers (`mcp_servers`) join that tenant's view (`forTenant`).
   */
  db?: Knex;
  /** Catalog cache lifetime (default 10 min) and pause after a failed load (default 30 s). */
  composioCatalogTtlMs?: number;
  composioRetryAfterFailureMs?: number;
  /** Pause after an MCP server could not be started or listed (default 30 s). */
  mcpRetryAfterFailureMs?: number;
  /** How long a process trusts the tenants' MCP server rows it read (default 2 s): a removed server stops resolving within it. */
  tenantMcpTtlMs?: number;
}

/**
 * The tools this installation offers: built-ins always; Composio's join when COMPOSIO_API_KEY is
 * set, each MCP server's of FLIGHTDECK_MCP_SERVERS as `mcp.<server>.<tool>`; with a database, each
 * tenant's own MCP servers in its view (`forTenant`). The catalogs are loaded
 * before this resolves; a catalog that cannot be loaded (Composio down, an MCP server that does not
 * start) leaves the registry up, with a warning, and loads on a later use.
 */
export async function createToolRegistry(options: ToolRegistryOptions = {}): Promise<ToolRegistry> {
  const env = options.env;
  const log = options.log ?? createLogger('tools');
  const providers: DynamicToolProvider[] = [];
  if (env?.COMPOSIO_API_KEY) {
    const config = { apiKey: env.COMPOSIO_API_KEY, baseUrl: env.COMPOSIO_BASE_URL, toolkits: env.COMPOSIO_TOOLKITS };
    providers.push(
      new ComposioCatalog({
        sdk: createComposioSdk(config),
        config,
        log,
        ...(options.db ? { limiter: new ComposioLimiter(options.db, env.COMPOSIO_LIMITS ?? []) } : {}),
        ttlMs: options.composioCatalogTtlMs,
        retryAfterFailureMs: options.composioRetryAfterFailureMs,
      }),
    );
  }
  const mcpServers = env?.FLIGHTDECK_MCP_SERVERS ?? {};
  const maxResultBytes = env?.FLIGHTDECK_MCP_MAX_RESULT_BYTES ?? defaultMcpMaxResultBytes;
  if (Object.keys(mcpServers).length > 0) {
    providers.push(new McpCatalog({ servers: mcpServers, log, maxResultBytes, retryAfterFailureMs: options.mcpRetryAfterFailureMs }));
  }
  const db = options.db;
  const sealer = createSecretSealer(env?.FLIGHTDECK_PAYLOAD_KEYS ?? []);
  // A tenant's server is reached as builtin.http_request reaches a URL: only where the network policy allows.
  const tenants = db
    ? new TenantMcpCatalogs({
        loadServers: (tenantId) => loadTenantMcpServers(db, sealer, tenantId, log),
        log,
        maxResultBytes,
        fetch: guardedFetch(env?.FLIGHTDECK_HTTP_ALLOW ?? denyPrivateNetworks),
        ttlMs: options.tenantMcpTtlMs,
        retryAfterFailureMs: options.mcpRetryAfterFailureMs,
      })
    : undefined;
  const registry = new ToolRegistry(createBuiltinTools(env?.FLIGHTDECK_HTTP_ALLOW), providers, tenants ? { tenants } : {});
  await registry.refresh();
  return registry;
}
