import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { DynamicToolProvider } from '../registry';
import type { ToolDefinition } from '../tool';
import type { McpServers } from './mcp-config';
import { McpServerConnection } from './mcp-connection';
import { mcpToolDefinition, mcpToolPrefix } from './mcp-tool';

export interface McpCatalogOptions {
  servers: McpServers;
  log: Logger;
  maxResultBytes: number;
  /** After a server could not be reached or listed, how long callers use what they have before the next try. */
  retryAfterFailureMs?: number;
  /** How long connecting and listing a server's tools may take before it counts as a failure. */
  loadTimeoutMs?: number;
  now?: () => number;
  /** How HTTP servers are reached (a tenant's servers: through the network policy); the global fetch by default. */
  fetch?: FetchLike;
}

interface ServerState {
  connection: McpServerConnection;
  tools: ToolDefinition[];
  loadedAt: number | null;
  failedAt: number | null;
  loading: Promise<void> | null;
}

/**
 * The configured MCP servers' tools, one connection per server in this process. A server's list is
 * read when the catalog first loads (worker and API start) and again whenever the server says it
 * changed (`notifications/tools/list_changed`) or its connection starts again. Loading never
 * throws: a server that cannot be started or reached is logged and tried again later, the others
 * serve their tools meanwhile.
 */
export class McpCatalog implements DynamicToolProvider {
  readonly prefix = mcpToolPrefix;
  private readonly states = new Map<string, ServerState>();
  private tools: ReadonlyMap<string, ToolDefinition> = new Map();
  private readonly retryAfterFailureMs: number;
  private readonly loadTimeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: McpCatalogOptions) {
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 15_000;
    this.now = options.now ?? Date.now;
    for (const [server, config] of Object.entries(options.servers)) {
      const connection = new McpServerConnection(server, config, {
        log: options.log,
        maxResultBytes: options.maxResultBytes,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        events: { onToolsChanged: (tools) => this.adopt(server, tools) },
      });
      this.states.set(server, { connection, tools: [], loadedAt: null, failedAt: null, loading: null });
    }
  }

  /** The tools listed so far; servers never loaded (or due another try) start a load in the background. */
  current(): ReadonlyMap<string, ToolDefinition> {
    if ([...this.states.keys()].some((server) => this.shouldLoad(server))) void this.refresh();
    return this.tools;
  }

  /** Whether the server a name belongs to has listed its tools (a name of no configured server: yes, it is unknown). */
  loaded(name?: string): boolean {
    if (name === undefined) return [...this.states.values()].every((state) => state.loadedAt !== null);
    const state = this.states.get(serverOf(name));
    return !state || state.loadedAt !== null;
  }

  async refresh(): Promise<void> {
    await Promise.all(
      [...this.states.keys()].map((server) => {
        const state = this.states.get(server)!;
        if (!this.shouldLoad(server)) return state.loading;
        state.loading ??= this.load(server).finally(() => {
          state.loading = null;
        });
        return state.loading;
      }),
    );
  }

  /** Closes every connection (stdio servers' processes end). */
  async close(): Promise<void> {
    await Promise.all([...this.states.values()].map((state) => state.connection.close()));
  }

  private shouldLoad(server: string): boolean {
    const state = this.states.get(server)!;
    if (state.loadedAt !== null) return false;
    return state.failedAt === null || this.now() - state.failedAt >= this.retryAfterFailureMs;
  }

  private async load(server: string): Promise<void> {
    const state = this.states.get(server)!;
    const timeout = AbortSignal.timeout(this.loadTimeoutMs);
    try {
      const listed = await Promise.race([
        state.connection.listTools(timeout),
        new Promise<never>((_resolve, reject) => timeout.addEventListener('abort', () => reject(new Error(`no tool list within ${this.loadTimeoutMs} ms`)))),
      ]);
      this.adopt(server, listed);
      state.failedAt = null;
    } catch (error) {
      state.failedAt = this.now();
      this.options.log.warn(
        { server, err: error, retryInMs: this.retryAfterFailureMs },
        'MCP server could not be started or listed; its tools are missing until a later try succeeds',
      );
    }
  }

  /** A server's (new) tool list replaces its old one. */
  private adopt(server: string, listed: Tool[]): void {
    const state = this.states.get(server);
    if (!state) return;
    const config = this.options.servers[server]!;
    state.tools = listed.map((tool) =>
      mcpToolDefinition(tool, {
        server,
        config,
        connection: state.connection,
        maxResultBytes: this.options.maxResultBytes,
        onSchemaProblem: (problem) => this.options.log.warn({ server }, problem),
      }),
    );
    state.loadedAt = this.now();
    this.tools = new Map([...this.states.values()].flatMap((each) => each.tools.map((tool) => [tool.name, tool] as const)));
    this.options.log.info({ server, tools: state.tools.length }, 'MCP server tools listed');
  }
}

/** The server part of `mcp.<server>.<tool>`. */
export const serverOf = (name: string): string => name.slice(mcpToolPrefix.length + 1).split('.')[0] ?? '';
