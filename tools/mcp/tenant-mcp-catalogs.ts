import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import type { DynamicToolProvider, TenantToolProviders } from '../registry';
import type { ToolDefinition } from '../tool';
import type { McpHttpServerConfig } from './mcp-config';
import { McpCatalog, serverOf } from './mcp-catalog';
import { mcpToolPrefix } from './mcp-tool';

/** One of a tenant's registered servers, its headers opened; `version` changes when the row is replaced. */
export interface TenantMcpServer {
  name: string;
  version: string;
  config: McpHttpServerConfig;
}

export interface TenantMcpCatalogsOptions {
  /** The tenant's servers as stored now (domains/mcp-servers); a row that cannot be opened is left out there. */
  loadServers(tenantId: string): Promise<TenantMcpServer[]>;
  log: Logger;
  maxResultBytes: number;
  /** Every tenant server is reached through this (guarded by the network policy, mcp-guarded-fetch.ts). */
  fetch: FetchLike;
  /** How long the rows read stand before a call re-reads them: a removed server stops resolving within it. */
  ttlMs?: number;
  retryAfterFailureMs?: number;
  /** A tenant whose tools nothing asked for this long is dropped from this process, its connections closed; default 15 min. */
  idleMs?: number;
  now?: () => number;
}

/** The default of how long a tenant's server rows are trusted in a process (API or worker). */
export const defaultTenantMcpTtlMs = 2000;

/** Longer than any tool call's timeout, so a tenant dropped for being idle has no call in flight. */
export const defaultTenantMcpIdleMs = 15 * 60 * 1000;

/**
 * Every tenant's MCP servers in this process (the API and each worker hold their own): one
 * catalog per tenant, built on first use, one connection per (tenant, server), opened lazily.
 * Rows are re-read on a short lifetime, since the API that changes them may be another process;
 * this process's own changes take effect at once (`invalidate`).
 */
export class TenantMcpCatalogs implements TenantToolProviders {
  private readonly tenants = new Map<string, { catalog: TenantMcpCatalog; usedAt: number }>();
  private sweptAt: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TenantMcpCatalogsOptions) {
    this.idleMs = options.idleMs ?? defaultTenantMcpIdleMs;
    this.now = options.now ?? Date.now;
    this.sweptAt = this.now();
  }

  providerFor(tenantId: string): TenantMcpCatalog {
    const now = this.now();
    this.dropIdle(now);
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = { catalog: new TenantMcpCatalog(tenantId, this.options), usedAt: now };
      this.tenants.set(tenantId, tenant);
    }
    tenant.usedAt = now;
    return tenant.catalog;
  }

  /** How many tenants this process holds catalogs of. */
  get size(): number {
    return this.tenants.size;
  }

  /** At most once per idle period: the tenants unused for that long go, so a process's tenants stay those in use. */
  private dropIdle(now: number): void {
    if (now - this.sweptAt < this.idleMs) return;
    this.sweptAt = now;
    for (const [tenantId, { catalog, usedAt }] of this.tenants) {
      if (now - usedAt < this.idleMs) continue;
      this.tenants.delete(tenantId);
      catalog.close().catch((error: unknown) => this.options.log.warn({ err: error, tenantId }, "an idle tenant's MCP connections did not close cleanly"));
    }
  }

  /** The tenant's rows changed here: the next use reads them again. */
  invalidate(tenantId: string): void {
    this.tenants.get(tenantId)?.catalog.invalidate();
  }

  async close(): Promise<void> {
    await Promise.all([...this.tenants.values()].map(({ catalog }) => catalog.close()));
    this.tenants.clear();
  }
}

/** One tenant's servers' tools: an McpCatalog per server row, replaced when the row is. */
class TenantMcpCatalog implements DynamicToolProvider {
  readonly prefix = mcpToolPrefix;
  private servers = new Map<string, { version: string; catalog: McpCatalog }>();
  private readAt: number | null = null;
  private dirty = false;
  private reading: Promise<void> | null = null;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly tenantId: string,
    private readonly options: TenantMcpCatalogsOptions,
  ) {
    this.log = options.log.child({ tenantId });
    this.ttlMs = options.ttlMs ?? defaultTenantMcpTtlMs;
    this.now = options.now ?? Date.now;
  }

  current(): ReadonlyMap<string, ToolDefinition> {
    if (this.stale()) void this.revalidate();
    return new Map([...this.servers.values()].flatMap(({ catalog }) => [...catalog.current()]));
  }

  /** Rows never read: nothing is known (an outage, retried); a name of no server of the tenant's: known to be unknown. */
  loaded(name?: string): boolean {
    if (this.readAt === null) return false;
    if (name === undefined) return [...this.servers.values()].every(({ catalog }) => catalog.loaded());
    const server = this.servers.get(serverOf(name));
    return !server || server.catalog.loaded(name);
  }

  async refresh(): Promise<void> {
    await this.revalidate();
    await Promise.all([...this.servers.values()].map(({ catalog }) => catalog.refresh()));
  }

  async revalidate(): Promise<void> {
    if (!this.stale()) return;
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    await this.reading;
  }

  invalidate(): void {
    this.dirty = true;
  }

  async close(): Promise<void> {
    const catalogs = [...this.servers.values()].map(({ catalog }) => catalog);
    this.servers = new Map();
    await Promise.all(catalogs.map((catalog) => catalog.close()));
  }

  private stale(): boolean {
    return this.dirty || this.readAt === null || this.now() - this.readAt >= this.ttlMs;
  }

  private async read(): Promise<void> {
    // A change made while this read is under way marks the rows dirty again.
    this.dirty = false;
    let rows: TenantMcpServer[];
    try {
      rows = await this.options.loadServers(this.tenantId);
    } catch (error) {
      this.dirty = true;
      this.log.warn({ err: error }, "the tenant's MCP servers could not be read; its tools stay as they were until a later read");
      return;
    }
    const next = new Map<string, { version: string; catalog: McpCatalog }>();
    for (const row of rows) {
      const kept = this.servers.get(row.name);
      next.set(row.name, kept && kept.version === row.version ? kept : { version: row.version, catalog: this.catalogOf(row) });
    }
    const dropped = [...this.servers].filter(([name, server]) => next.get(name) !== server).map(([, server]) => server.catalog);
    this.servers = next;
    this.readAt = this.now();
    // A removed server's connection closes: a call of it in flight fails, none starts.
    await Promise.all(dropped.map((catalog) => catalog.close()));
  }

  private catalogOf(row: TenantMcpServer): McpCatalog {
    return new McpCatalog({
      servers: { [row.name]: row.config },
      log: this.log,
      maxResultBytes: this.options.maxResultBytes,
      fetch: this.options.fetch,
      ...(this.options.retryAfterFailureMs !== undefined ? { retryAfterFailureMs: this.options.retryAfterFailureMs } : {}),
    });
  }
}
