import type { Logger } from 'pino';
import type { DynamicToolProvider } from '../registry';
import type { ToolDefinition } from '../tool';
import type { ComposioLimiter } from './composio-limits';
import type { ComposioConfig, ComposioSdk } from './composio-sdk';
import { composioToolDefinition, composioToolPrefix, type ComposioRawTool } from './composio-tool';

export interface ComposioCatalogOptions {
  sdk: ComposioSdk;
  config: ComposioConfig;
  log: Logger;
  /** Shared limits (worker only: the API lists and validates tools, it does not run them). */
  limiter?: ComposioLimiter;
  /** How long a loaded catalog is used before it is fetched again. */
  ttlMs?: number;
  /** After a failed load, how long callers use what they have before the next try. */
  retryAfterFailureMs?: number;
  now?: () => number;
}

/** Catalog reads list a whole toolkit at once; the SDK reads one page, so ask for a large one. */
const toolsPerToolkit = 1000;

/**
 * The configured toolkits' tools, fetched through the SDK and cached for `ttlMs`. Loading never
 * throws: a failure is logged, the last good catalog stays in use, and a later call tries again.
 */
export class ComposioCatalog implements DynamicToolProvider {
  readonly prefix = composioToolPrefix;
  private tools: ReadonlyMap<string, ToolDefinition> = new Map();
  private loadedAt: number | null = null;
  private failedAt: number | null = null;
  private loading: Promise<void> | null = null;
  private readonly ttlMs: number;
  private readonly retryAfterFailureMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ComposioCatalogOptions) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The last loaded catalog; a stale one starts a reload in the background. */
  current(): ReadonlyMap<string, ToolDefinition> {
    if (this.shouldLoad()) void this.refresh();
    return this.tools;
  }

  loaded(): boolean {
    return this.loadedAt !== null;
  }

  async refresh(): Promise<void> {
    if (!this.shouldLoad()) return;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }

  private shouldLoad(): boolean {
    const now = this.now();
    if (this.failedAt !== null && now - this.failedAt < this.retryAfterFailureMs) return false;
    return this.loadedAt === null || now - this.loadedAt >= this.ttlMs;
  }

  private async load(): Promise<void> {
    const { sdk, config, log, limiter } = this.options;
    try {
      const lists = await Promise.all(
        config.toolkits.map(async (toolkit) => {
          const raw = (await sdk.tools.getRawComposioTools({ toolkits: [toolkit.slug], limit: toolsPerToolkit })) as ComposioRawTool[];
          return raw.map((tool) => composioToolDefinition(sdk, tool, toolkit, limiter));
        }),
      );
      this.tools = new Map(lists.flat().map((tool) => [tool.name, tool]));
      this.loadedAt = this.now();
      this.failedAt = null;
      log.info({ toolkits: config.toolkits.map((toolkit) => toolkit.slug), tools: this.tools.size }, 'composio catalog loaded');
    } catch (error) {
      this.failedAt = this.now();
      log.warn({ err: error, retryInMs: this.retryAfterFailureMs }, 'composio catalog could not be loaded; using the last one and trying again later');
    }
  }
}
