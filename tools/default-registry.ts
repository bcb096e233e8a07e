import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ComposioEnv } from './composio/composio-config';
import type { NetworkPolicy } from '../lib/network-allow-list';
import { createLogger } from '../lib/logger';
import { createBuiltinTools } from './builtin';
import { ComposioCatalog } from './composio/composio-catalog';
import { ComposioLimiter } from './composio/composio-limits';
import { createComposioSdk } from './composio/composio-sdk';
import { ToolRegistry } from './registry';

/** What the worker and the API both read to set up tools (the same variables in both schemas). */
export type ToolsEnv = Pick<ComposioEnv, 'COMPOSIO_API_KEY' | 'COMPOSIO_BASE_URL' | 'COMPOSIO_TOOLKITS'> & {
  COMPOSIO_LIMITS?: ComposioEnv['COMPOSIO_LIMITS'];
  FLIGHTDECK_HTTP_ALLOW?: NetworkPolicy;
};

export interface ToolRegistryOptions {
  env?: ToolsEnv;
  log?: Logger;
  /** The worker's database: with it, Composio calls take slots under the shared limits and 429 holds. */
  db?: Knex;
  /** Catalog cache lifetime (default 10 min) and pause after a failed load (default 30 s). */
  composioCatalogTtlMs?: number;
  composioRetryAfterFailureMs?: number;
}

/**
 * The tools this installation offers: built-ins always; Composio's join when COMPOSIO_API_KEY is
 * set. The catalog is loaded before this resolves; if Composio cannot be reached the registry still
 * comes up (with a warning) and the catalog loads on a later use.
 */
export async function createToolRegistry(options: ToolRegistryOptions = {}): Promise<ToolRegistry> {
  const env = options.env;
  const builtinTools = createBuiltinTools(env?.FLIGHTDECK_HTTP_ALLOW);
  if (!env?.COMPOSIO_API_KEY) return new ToolRegistry(builtinTools);
  const config = { apiKey: env.COMPOSIO_API_KEY, baseUrl: env.COMPOSIO_BASE_URL, toolkits: env.COMPOSIO_TOOLKITS };
  const catalog = new ComposioCatalog({
    sdk: createComposioSdk(config),
    config,
    log: options.log ?? createLogger('tools'),
    ...(options.db ? { limiter: new ComposioLimiter(options.db, env.COMPOSIO_LIMITS ?? []) } : {}),
    ttlMs: options.composioCatalogTtlMs,
    retryAfterFailureMs: options.composioRetryAfterFailureMs,
  });
  await catalog.refresh();
  return new ToolRegistry(builtinTools, [catalog]);
}
