import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  ProgressNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type ProgressNotification,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { isStdioServer, type McpServerConfig } from './mcp-config';

/** Why a connection ended, when it was not simply closed: the calls it was carrying fail by it. */
export type McpBreak =
  /** The server sent something that is not JSON-RPC (or not MCP): a broken server, not a flaky one. */
  | { kind: 'protocol'; message: string }
  /** A stdio message passed the size limit before it was complete; `callsInFlight` were waiting on the connection. */
  | { kind: 'too-large'; message: string; callsInFlight: number };

/** The client's name and version in `initialize`. */
const clientInfo = { name: 'flightdeck', version: '1.0.0' };

/** How much more than the result limit a stdio line may hold (the JSON-RPC envelope around the result). */
const envelopeAllowanceBytes = 64 * 1024;

/** What the catalog hears from a connection: a new tool list (after connecting, or on `list_changed`). */
export interface McpConnectionEvents {
  onToolsChanged(tools: Tool[]): void;
}

export interface McpCallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onProgress(progress: { progress: number; total?: number; message?: string }): void;
}

/** What a call learns when it fails: the error and, if the connection broke under it, why. */
export class McpCallError extends Error {
  constructor(
    readonly error: unknown,
    readonly broken: McpBreak | null,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'McpCallError';
  }
}

/**
 * One MCP server as this process speaks to it: one SDK client, connected on first use and reused by
 * every call, connected again (a stdio server's process started again) after the server died, its
 * HTTP session expired or it broke the protocol. Never two connections at once.
 */
export class McpServerConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  /** Why each broken client broke: its calls' errors arrive after the break. */
  private readonly breaks = new WeakMap<Client, McpBreak>();
  private inFlight = 0;
  private connects = 0;
  /** Progress handlers of calls in flight, by the progress token each call sent. */
  private readonly progressHandlers = new Map<string, McpCallOptions['onProgress']>();
  private progressTokens = 0;
  private closed = false;

  constructor(
    readonly server: string,
    private readonly config: McpServerConfig,
    /** `fetch`: what an HTTP server is reached through (a tenant's: guarded by the network policy); the global one by default. */
    private readonly options: { log: Logger; maxResultBytes: number; events: McpConnectionEvents; fetch?: FetchLike },
  ) {}

  /** Every tool the server lists, page by page. Connects first if need be. */
  async listTools(signal?: AbortSignal): Promise<Tool[]> {
    return this.listToolsOf(await this.connected(), signal);
  }

  async callTool(name: string, args: Record<string, unknown>, options: McpCallOptions): Promise<CallToolResult> {
    const client = await this.connected();
    const progressToken = `flightdeck-${(this.progressTokens += 1)}`;
    this.progressHandlers.set(progressToken, options.onProgress);
    this.inFlight += 1;
    try {
      // Progress goes by a token of ours, not the SDK's `onprogress`: the SDK hands a notification
      // to its handler a tick late and drops one that came just before the result.
      return (await client.callTool({ name, arguments: args, _meta: { progressToken } }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs,
        maxTotalTimeout: options.timeoutMs,
      })) as CallToolResult;
    } catch (error) {
      const broken = this.breaks.get(client) ?? null;
      // An HTTP session the server no longer knows, or any transport failure: connect afresh next time.
      if (!isStdioServer(this.config) && isTransportFailure(error)) await this.drop(client);
      throw new McpCallError(error, broken);
    } finally {
      this.inFlight -= 1;
      this.progressHandlers.delete(progressToken);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => null)) ?? null;
    if (client) await this.drop(client);
  }

  private async connected(): Promise<Client> {
    if (this.closed) throw new Error(`the connection to MCP server ${this.server} is closed`);
    if (this.client) return this.client;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const { log } = this.options;
    const client = new Client(clientInfo, { capabilities: {} });
    const transport = this.transport();
    client.onerror = (error) => this.onTransportError(client, error);
    client.onclose = () => {
      if (this.client !== client) return;
      this.client = null;
      log.warn({ server: this.server }, 'MCP server connection closed; the next call connects again');
    };
    try {
      await client.connect(transport);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    this.takeProgress(transport);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.relist(client));
    this.client = client;
    // A server started again may offer other tools than before: list them again, beside the call.
    if (this.connects++ > 0) this.relist(client);
    log.info({ server: this.server, serverInfo: client.getServerVersion() ?? null }, 'MCP server connected');
    return client;
  }

  private transport(): Transport {
    const config = this.config;
    if (isStdioServer(config)) {
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args ?? [],
        ...(config.env ? { env: { ...getDefaultEnvironment(), ...config.env } } : {}),
        ...(config.cwd ? { cwd: config.cwd } : {}),
        stderr: 'pipe',
        // A line longer than this is refused before it is parsed: memory per call stays bounded.
        maxBufferSize: this.options.maxResultBytes + envelopeAllowanceBytes,
      });
      // The server's own log lines, at debug level, so a noisy server does not flood ours.
      transport.stderr?.on('data', (chunk: Buffer) =>
        this.options.log.debug({ server: this.server, stderr: chunk.toString('utf8').slice(0, 2000) }, 'MCP server stderr'),
      );
      return transport;
    }
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: config.headers ?? {} },
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
  }

  /**
   * The SDK reports what it could not read through `onerror` and goes on; a message that is not
   * JSON-RPC leaves its call waiting for an answer that never comes. Close the connection instead:
   * its calls fail at once, by the reason recorded here, and the next call starts the server afresh.
   */
  private onTransportError(client: Client, error: Error): void {
    const { log } = this.options;
    const tooLarge = /ReadBuffer exceeded maximum size/.test(error.message);
    const malformed = error instanceof SyntaxError || error.name === 'ZodError' || /Unknown message type/.test(error.message);
    if (!tooLarge && !malformed) {
      log.warn({ server: this.server, err: error }, 'MCP transport error');
      return;
    }
    const broken: McpBreak = tooLarge
      ? { kind: 'too-large', message: `a message from the server passed ${this.options.maxResultBytes} bytes`, callsInFlight: this.inFlight }
      : { kind: 'protocol', message: `the server sent a message that is not JSON-RPC: ${error.message.slice(0, 300)}` };
    // The first break is the reason: the rest of an oversized message, still arriving, reads as garbage.
    if (this.breaks.has(client)) return;
    log.warn({ server: this.server, reason: broken.kind, err: error }, 'MCP server broke the protocol; closing its connection');
    this.breaks.set(client, broken);
    void this.drop(client);
  }

  /** Progress notifications of our calls reach their handlers as they arrive, in order, before the call's result. */
  private takeProgress(transport: Transport): void {
    const sdkOnMessage = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const progress = progressOf(message);
      const handler = progress ? this.progressHandlers.get(String(progress.progressToken)) : undefined;
      if (progress && handler) {
        handler({
          progress: progress.progress,
          ...(progress.total !== undefined ? { total: progress.total } : {}),
          ...(progress.message !== undefined ? { message: progress.message } : {}),
        });
        return;
      }
      sdkOnMessage?.(message, extra);
    };
  }

  private relist(client: Client): void {
    this.listToolsOf(client).then(
      (tools) => this.options.events.onToolsChanged(tools),
      (error: unknown) => this.options.log.warn({ server: this.server, err: error }, 'MCP server tools could not be listed again'),
    );
  }

  private async drop(client: Client): Promise<void> {
    if (this.client === client) this.client = null;
    await client.close().catch(() => undefined);
  }

  private async listToolsOf(client: Client, signal?: AbortSignal): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    // A server that pages forever is cut off: no installation offers a model this many tools.
    for (let page = 0; page < 1000; page += 1) {
      const listed = await client.listTools(cursor ? { cursor } : {}, signal ? { signal } : {});
      tools.push(...listed.tools);
      cursor = listed.nextCursor;
      if (!cursor) return tools;
    }
    throw new Error(`MCP server ${this.server} lists more than 1000 pages of tools`);
  }
}

function progressOf(message: JSONRPCMessage): ProgressNotification['params'] | null {
  if (!('method' in message) || message.method !== 'notifications/progress' || 'id' in message) return null;
  const parsed = ProgressNotificationSchema.safeParse(message);
  return parsed.success ? parsed.data.params : null;
}

/** Not an answer of the server's (a JSON-RPC error or a result): the exchange itself failed. */
function isTransportFailure(error: unknown): boolean {
  return !(error instanceof McpError) || error.code === ErrorCode.ConnectionClosed;
}
