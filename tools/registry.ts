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
  /** Releases what the provider holds open (MCP servers' connections and processes). */
  close?(): Promise<void>;
}

/** All tools the worker can run and the API can validate against, by `<provider>.<name>`. */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();

  constructor(
    tools: Iterable<ToolDefinition>,
    private readonly providers: DynamicToolProvider[] = [],
  ) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is registered twice`);
      this.tools.set(tool.name, tool);
    }
  }

  get(name: string): ToolDefinition | undefined {
    return this.tools.get(name) ?? this.providerOf(name)?.current().get(name);
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
   */
  async resolve(name: string): Promise<ToolDefinition | undefined> {
    const found = this.get(name);
    if (found) return found;
    const provider = this.providerOf(name);
    if (!provider) return undefined;
    await provider.refresh();
    // No catalog at all is an outage, not an unknown tool: retry the call rather than fail the run.
    if (!provider.loaded(name))
      throw retryableError(FailureType.CatalogUnavailable, `the ${provider.prefix} tool catalog could not be loaded yet; ${name} will be retried`);
    return provider.current().get(name);
  }

  /** Closes the providers' connections (worker and API shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.close?.()));
  }

  private providerOf(name: string): DynamicToolProvider | undefined {
    return this.providers.find((provider) => name.startsWith(`${provider.prefix}.`));
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
