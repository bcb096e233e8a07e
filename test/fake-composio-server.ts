/**
 * A TEST DOUBLE of the Composio API (nothing in the tests may reach composio.dev). It speaks the
 * HTTP paths and payload shapes that the pinned SDK (@composio/core 0.19.0 over @composio/client)
 * calls, checks the `x-api-key` header, records every request, and plays a script per tool slug:
 *   GET  /api/v3.1/tools?toolkit_slug=&limit=&toolkit_versions=   catalog page {items, next_cursor, total_pages, …}
 *   GET  /api/v3.1/tools/:slug?version=                           one tool (the SDK reads it before executing)
 *   POST /api/v3.1/tools/execute/:slug  {arguments, user_id, version, connected_account_id?}
 *        → {data, error, successful, log_id}, or an HTTP error with a body `{error:{message, code, status}}`.
 *   GET  /api/v3.1/connected_accounts?user_ids=&toolkit_slugs=&statuses=   {items, next_cursor, total_pages, …}
 *   POST /api/v3.1/connected_accounts/link  {auth_config_id, user_id, callback_url?}
 *        → {connected_account_id, redirect_url, link_token, expires_at}; the account starts INITIATED.
 * Accounts belong to the exact `user_id` they were linked or added for (Composio stores each under
 * its user id and lists by it; the server sends tenant-scoped ids, `<tenant>:<user>`). With
 * `enforceConnections`, an execution for a user with no ACTIVE account of the tool's toolkit
 * (none, or EXPIRED / INITIATED) answers 400 with error code 1803, as Composio does; the SDK turns
 * that code into ComposioConnectedAccountNotFoundError. A pinned `connected_account_id` is used if it
 * is ACTIVE and of the toolkit, whoever's it is: the double does not check its owner, so a test sees
 * what the server's own ownership check does. `connect(id)` plays the user finishing the
 * redirect (the account turns ACTIVE). Executions can be slowed (`executionDelayMs`) and the double
 * counts overlapping executions per (tool, user) and overall, for the shared-limit tests.
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

/** The GitHub "create an issue" tool as the tests serve it (one required `title`). */
export const githubCreateIssue: FakeComposioTool = {
  slug: 'GITHUB_CREATE_AN_ISSUE',
  toolkit: 'github',
  description: 'Creates an issue in a GitHub repository.',
  inputParameters: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
};

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

export type FakeAccountStatus = 'INITIATED' | 'ACTIVE' | 'EXPIRED' | 'INACTIVE' | 'REVOKED' | 'FAILED';

export interface FakeConnectedAccount {
  id: string;
  userId: string;
  toolkit: string;
  authConfigId: string;
  status: FakeAccountStatus;
}

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
  /** Executions need an ACTIVE connected account of the tool's toolkit (else 400, code 1803). */
  enforceConnections = false;
  /** How long each execution takes before it answers. */
  executionDelayMs = 0;
  readonly accounts: FakeConnectedAccount[] = [];
  /** Listing the accounts of these (scoped) user ids answers 500. */
  readonly failingUsers = new Set<string>();
  /** Auth config id → toolkit slug, for Connect Links. */
  readonly authConfigs = new Map<string, string>();
  /** Most executions in flight at once, per `<slug>|<user>` and overall. */
  readonly maxOverlap = new Map<string, number>();
  maxOverlapOverall = 0;
  private readonly inFlight = new Map<string, number>();
  private inFlightOverall = 0;
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

  /** An account as if the user had connected it earlier. */
  addAccount(account: Omit<FakeConnectedAccount, 'id' | 'authConfigId'> & { authConfigId?: string }): FakeConnectedAccount {
    const created = { id: `ca_${this.accounts.length + 1}`, authConfigId: account.authConfigId ?? `ac_${account.toolkit}`, ...account };
    this.accounts.push(created);
    return created;
  }

  /** The user finished the Connect Link (or reconnected): the account is ACTIVE. */
  connect(accountId: string): void {
    const account = this.accounts.find((candidate) => candidate.id === accountId);
    if (!account) throw new Error(`no fake account ${accountId}`);
    account.status = 'ACTIVE';
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
    if (request.method === 'GET' && request.path === '/api/v3.1/connected_accounts') return this.listAccounts(request, response);
    if (request.method === 'POST' && request.path === '/api/v3.1/connected_accounts/link') return this.link(request, response);
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
    const tool = this.tools.get(slug);
    if (!tool) return this.error(response, answerStatus(404, `Tool ${slug} not found`, { code: 1501 }));
    const userId = String(request.body?.user_id ?? '');
    if (this.enforceConnections && !this.hasActiveAccount(userId, tool.toolkit, request.body?.connected_account_id)) {
      return this.error(response, connectedAccountMissing(userId));
    }
    const reply = this.scripts.get(slug)?.shift() ?? succeed({ ok: true });
    const key = `${slug}|${userId}`;
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    this.inFlightOverall += 1;
    this.maxOverlap.set(key, Math.max(this.maxOverlap.get(key) ?? 0, this.inFlight.get(key)!));
    this.maxOverlapOverall = Math.max(this.maxOverlapOverall, this.inFlightOverall);
    setTimeout(() => {
      this.inFlight.set(key, this.inFlight.get(key)! - 1);
      this.inFlightOverall -= 1;
      if (reply.kind === 'http') return this.error(response, reply);
      const logId = `log_${this.requests.length}`;
      if (reply.kind === 'unsuccessful') return this.json(response, 200, { data: {}, error: reply.error, successful: false, log_id: logId });
      this.json(response, 200, { data: { ...reply.data, echoedArguments: request.body?.arguments ?? null }, error: null, successful: true, log_id: logId });
    }, this.executionDelayMs);
  }

  private hasActiveAccount(userId: string, toolkit: string, accountId: unknown): boolean {
    return this.accounts.some(
      (account) =>
        (accountId === undefined ? account.userId === userId : account.id === accountId) && account.toolkit === toolkit && account.status === 'ACTIVE',
    );
  }

  private listAccounts(request: RecordedComposioRequest, response: ServerResponse): void {
    const listed = (name: string) => (request.query[name] ?? '').split(',').filter(Boolean);
    const [users, toolkits, statuses] = [listed('user_ids'), listed('toolkit_slugs'), listed('statuses')];
    if (users.some((user) => this.failingUsers.has(user))) return this.error(response, answerStatus(500, 'accounts store unavailable'));
    const items = this.accounts
      .filter((account) => users.length === 0 || users.includes(account.userId))
      .filter((account) => toolkits.length === 0 || toolkits.includes(account.toolkit))
      .filter((account) => statuses.length === 0 || statuses.includes(account.status))
      .map(rawAccount);
    this.json(response, 200, { items, next_cursor: null, total_pages: 1, current_page: 1, total_items: items.length });
  }

  private link(request: RecordedComposioRequest, response: ServerResponse): void {
    const authConfigId = String(request.body?.auth_config_id ?? '');
    const toolkit = this.authConfigs.get(authConfigId);
    if (!toolkit) return this.error(response, answerStatus(400, `Auth config ${authConfigId} not found`, { code: 1300 }));
    const account = this.addAccount({ userId: String(request.body?.user_id ?? ''), toolkit, authConfigId, status: 'INITIATED' });
    this.json(response, 201, {
      connected_account_id: account.id,
      redirect_url: `https://connect.composio.dev/link/lk_${account.id}`,
      link_token: `lk_${account.id}`,
      expires_at: new Date(Date.now() + 600_000).toISOString(),
    });
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

/** A connected account in the API's snake_case shape, as list and retrieve return it. */
function rawAccount(account: FakeConnectedAccount): Record<string, unknown> {
  const at = '2026-11-25T00:00:00.000Z';
  return {
    id: account.id,
    user_id: account.userId,
    status: account.status,
    status_reason: account.status === 'ACTIVE' ? null : `account is ${account.status}`,
    toolkit: { slug: account.toolkit },
    auth_config: { id: account.authConfigId, auth_scheme: 'OAUTH2', is_composio_managed: true, is_disabled: false },
    is_disabled: false,
    created_at: at,
    updated_at: at,
    test_request_endpoint: '',
  };
}
