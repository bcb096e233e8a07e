import { z } from 'zod';
import { modelToolName, type ModelTool } from '../lib/workflow-contract';
import type { ToolDefinition } from './tool';
import { retryableError } from './tool-errors';
import { FailureType } from '../lib/failure-types';

/** Public view of a tool, as `GET /v1/tools` serves it. */
export interface ToolDescription {
  name: string;
  provider: string;
  description: string;
  inputSchema: unknown;
  requiresApproval: boolean;
  idempotent: boolean;
  defaults: ToolDefinition['defaults'];
}

/**
 * Tools whose list comes from elsewhere (Composio's catalog) and can change: `current()` is the
 * last catalog loaded, `refresh()` reloads it when stale and never throws.
 */
export interface DynamicToolProvider {
  /** Tool names this provider owns start with `<prefix>.`. */
  prefix: string;
  current(): ReadonlyMap<string, ToolDefinition>;
  /** Whether a catalog has been loaded at least once; with a name, the catalog that would own it (one MCP server's). */
  loaded(name?: string): boolean;
  refresh(): Promise<void>;
  /**
   * For a catalog whose entries can be removed (a tenant's MCP servers): re-reads what it holds
   * when that is older than its lifetime, so a removed tool stops resolving within it. Resolving a
   * call awaits it; `current()` alone does not.
   */
  revalidate?(): Promise<void>;
  /** Releases what the provider holds open (MCP servers' connections and processes). */
  close?(): Promise<void>;
}

/** The providers each tenant has of its own (its MCP servers, POST /v1/mcp-servers), one per tenant, per process. */
export interface TenantToolProviders {
  providerFor(tenantId: string): DynamicToolProvider;
  /** The tenant's tools changed (this process changed its rows): the next use reads them again. */
  invalidate(tenantId: string): void;
  close(): Promise<void>;
}

/**
 * All tools the worker can run and the API can validate against, by `<provider>.<name>`. The
 * installation's registry holds the tools every tenant has; `forTenant` is the view one tenant's
 * runs and requests resolve through, with that tenant's own tools added.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();

  constructor(
    tools: Iterable<ToolDefinition>,
    private readonly providers: DynamicToolProvider[] = [],
    private readonly options: { tenants?: TenantToolProviders; viewOf?: string } = {},
  ) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is registered twice`);
      this.tools.set(tool.name, tool);
    }
  }

  /**
   * The tools `tenantId` may see and call: the installation's and the tenant's own. Another
   * tenant's view never holds them. Without per-tenant providers, the registry itself.
   */
  forTenant(tenantId: string): ToolRegistry {
    const tenants = this.options.tenants;
    if (!tenants || this.options.viewOf !== undefined) return this;
    return new ToolRegistry(this.tools.values(), [...this.providers, tenants.providerFor(tenantId)], { viewOf: tenantId });
  }

  /** This process changed the tenant's own tools (its MCP servers): its view reads them again on next use. */
  invalidateTenant(tenantId: string): void {
    this.options.tenants?.invalidate(tenantId);
  }

  get(name: string): ToolDefinition | undefined {
    const builtin = this.tools.get(name);
    if (builtin) return builtin;
    for (const provider of this.providersOf(name)) {
      const found = provider.current().get(name);
      if (found) return found;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Reloads stale catalogs (a failed load is logged and retried on a later call, never thrown). */
  async refresh(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.refresh()));
  }

  /**
   * `get`, but a name a catalog should own and does not (not loaded yet, or stale) first reloads it:
   * a run must not fail as `UnknownTool` because the worker started while Composio was down.
   * Catalogs whose entries can be removed are re-read first when stale (`revalidate`).
   */
  async resolve(name: string): Promise<ToolDefinition | undefined> {
    const providers = this.providersOf(name);
    await Promise.all(providers.map((provider) => provider.revalidate?.()));
    const found = this.get(name);
    if (found || providers.length === 0) return found;
    await Promise.all(providers.map((provider) => provider.refresh()));
    // No catalog at all is an outage, not an unknown tool: retry the call rather than fail the run.
    const unloaded = providers.find((provider) => !provider.loaded(name));
    if (unloaded) throw retryableError(FailureType.CatalogUnavailable, `the ${unloaded.prefix} tool catalog could not be loaded yet; ${name} will be retried`);
    return this.get(name);
  }

  /** Closes the providers' connections (worker and API shutdown). */
  async close(): Promise<void> {
    // A tenant's view shares the installation's providers: closing them is the installation's.
    if (this.options.viewOf !== undefined) return;
    await Promise.all([...this.providers.map((provider) => provider.close?.()), this.options.tenants?.close()]);
  }

  /** The catalogs that may own `name` (several share `mcp`: the installation's servers and the tenant's). */
  private providersOf(name: string): DynamicToolProvider[] {
    return this.providers.filter((provider) => name.startsWith(`${provider.prefix}.`));
  }

  private all(): ToolDefinition[] {
    return [...this.tools.values(), ...this.providers.flatMap((provider) => [...provider.current().values()])];
  }

  /** The named tools as chat-completions function tools, for an agent's model. */
  modelTools(names: string[]): ModelTool[] {
    return names.flatMap((name) => {
      const tool = this.get(name);
      if (!tool) return [];
      return [
        {
          type: 'function' as const,
          function: { name: modelToolName(name), description: tool.description, parameters: jsonSchemaOf(tool) },
        },
      ];
    });
  }

  describe(): ToolDescription[] {
    return this.all()
      .map((tool) => ({
        name: tool.name,
        provider: tool.name.split('.')[0] ?? '',
        description: tool.description,
        inputSchema: jsonSchemaOf(tool),
        requiresApproval: tool.requiresApproval,
        idempotent: tool.idempotent,
        defaults: tool.defaults,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

function jsonSchemaOf(tool: ToolDefinition): unknown {
  if (tool.jsonSchema !== undefined) return tool.jsonSchema;
  return z.toJSONSchema(tool.inputSchema, { unrepresentable: 'any', io: 'input' });
}
