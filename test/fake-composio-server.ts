/**
 * A TEST DOUBLE of the Composio API (nothing in the tests may reach composio.dev). It speaks the
 * HTTP paths and payload shapes that the pinned SDK (@composio/core 0.19.0 over @composio/client)
 * calls, checks the `x-api-key` header, records every request, and plays a script per tool slug:
 *   GET  /api/v3.1/tools?toolkit_slug=&limit=&toolkit_versions=   catalog page {items, next_cursor, total_pages, …}
 *   GET  /api/v3.1/tools/:slug?version=                           one tool (the SDK reads it before executing)
 *   POST /api/v3.1/tools/execute/:slug  {arguments, user_id, version, connected_account_id?}
 *        → {data, error, successful, log_id}, or an HTTP error with a body `{error:{message, code, status}}`.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComposioTool {
  slug: string;
  toolkit: string;
  description: string;
  inputParameters: Record<string, unknown>;
  version?: string;
}

type HttpReply = { kind: 'http'; status: number; message: string; code?: number; retryAfter?: string };
export type ComposioReply = { kind: 'success'; data: Record<string, unknown> } | { kind: 'unsuccessful'; error: string } | HttpReply;

export const succeed = (data: Record<string, unknown>): ComposioReply => ({ kind: 'success', data });
export const reportFailure = (error: string): ComposioReply => ({ kind: 'unsuccessful', error });
export const answerStatus = (status: number, message: string, options: { code?: number; retryAfter?: string } = {}): HttpReply => ({
  kind: 'http',
  status,
  message,
  ...options,
});
/** What Composio answers when the user has no (or no longer a usable) connected account: code 1803. */
export const connectedAccountMissing = (userId: string): HttpReply =>
  answerStatus(400, `No connected account found for user ${userId} and this toolkit`, { code: 1803 });

export interface RecordedComposioRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  apiKey: string | undefined;
  body: Record<string, unknown> | null;
  at: number;
}

export class FakeComposioServer {
  readonly requests: RecordedComposioRequest[] = [];
  private readonly tools = new Map<string, FakeComposioTool>();
  private readonly scripts = new Map<string, ComposioReply[]>();
  private server: Server | null = null;
  /** Catalog reads answer 503 while this is above zero (counts down). */
  catalogOutages = 0;
  url = '';

  constructor(
    readonly apiKey: string,
    tools: FakeComposioTool[],
  ) {
    for (const tool of tools) this.tools.set(tool.slug, tool);
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://fake');
        const recorded: RecordedComposioRequest = {
          method: request.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          apiKey: request.headers['x-api-key'] as string | undefined,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
          at: Date.now(),
        };
        this.requests.push(recorded);
        this.route(recorded, response);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Replies to executions of `slug`, in order; with the script used up, executions succeed with `{ ok: true }`. */
  script(slug: string, replies: ComposioReply[]): void {
    this.scripts.set(slug, [...replies]);
  }

  executionsOf(slug: string): RecordedComposioRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path === `/api/v3.1/tools/execute/${slug}`);
  }

  private route(request: RecordedComposioRequest, response: ServerResponse): void {
    if (request.apiKey !== this.apiKey) return this.error(response, answerStatus(401, 'Invalid API key', { code: 1001 }));
    const execute = /^\/api\/v3\.1\/tools\/execute\/([A-Z0-9_]+)$/.exec(request.path);
    const single = /^\/api\/v3\.1\/tools\/([A-Z0-9_]+)$/.exec(request.path);
    if (request.method === 'GET' && request.path === '/api/v3.1/tools') return this.list(request, response);
    if (request.method === 'GET' && single?.[1]) {
      const tool = this.tools.get(single[1]);
      return tool ? this.json(response, 200, rawTool(tool)) : this.error(response, answerStatus(404, `Tool ${single[1]} not found`, { code: 1501 }));
    }
    if (request.method === 'POST' && execute?.[1]) return this.execute(execute[1], request, response);
    this.error(response, answerStatus(404, `no route ${request.method} ${request.path}`));
  }

  private list(request: RecordedComposioRequest, response: ServerResponse): void {
    if (this.catalogOutages > 0) {
      this.catalogOutages -= 1;
      return this.error(response, answerStatus(503, 'catalog temporarily unavailable'));
    }
    const toolkits = (request.query.toolkit_slug ?? '').split(',').filter(Boolean);
    const items = [...this.tools.values()].filter((tool) => toolkits.includes(tool.toolkit)).map(rawTool);
    this.json(response, 200, { items, next_cursor: null, total_pages: 1, current_page: 1, total_items: items.length });
  }

  private execute(slug: string, request: RecordedComposioRequest, response: ServerResponse): void {
    if (!this.tools.has(slug)) return this.error(response, answerStatus(404, `Tool ${slug} not found`, { code: 1501 }));
    const reply = this.scripts.get(slug)?.shift() ?? succeed({ ok: true });
    if (reply.kind === 'http') return this.error(response, reply);
    const logId = `log_${this.requests.length}`;
    if (reply.kind === 'unsuccessful') return this.json(response, 200, { data: {}, error: reply.error, successful: false, log_id: logId });
    this.json(response, 200, { data: { ...reply.data, echoedArguments: request.body?.arguments ?? null }, error: null, successful: true, log_id: logId });
  }

  private json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  private error(response: ServerResponse, reply: HttpReply): void {
    const body = { error: { message: reply.message, code: reply.code ?? reply.status, status: reply.status } };
    this.json(response, reply.status, body, reply.retryAfter ? { 'retry-after': reply.retryAfter } : {});
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A tool in the API's snake_case shape, as list and retrieve return it. */
function rawTool(tool: FakeComposioTool): Record<string, unknown> {
  return {
    slug: tool.slug,
    name: tool.slug.toLowerCase().replace(/_/g, ' '),
    description: tool.description,
    input_parameters: tool.inputParameters,
    output_parameters: { type: 'object', properties: {} },
    toolkit: { slug: tool.toolkit, name: tool.toolkit, logo: '' },
    version: tool.version ?? '20251027_00',
    available_versions: [tool.version ?? '20251027_00'],
    deprecated: { is_deprecated: false },
    no_auth: false,
    tags: [],
  };
}
