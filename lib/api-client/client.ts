import { z } from 'zod';
import { errorBodySchema } from '../errors';
import type { RunStatus } from '../events';
import type { Role, runSpecSchema } from '../run-spec';
import { FlightdeckApiError, FlightdeckUnreachableError } from './errors';
import type { WebSocketLike } from './reconnecting-stream';
import {
  adminAuditPageSchema,
  apiKeyBodySchema,
  approvalBodySchema,
  approvalListSchema,
  apiKeyListSchema,
  connectionListSchema,
  resumedRunsSchema,
  startedConnectionSchema,
  createdApiKeySchema,
  dailyUsageSchema,
  eventPageSchema,
  healthSchema,
  principalSchema,
  runCountsSchema,
  runVerificationSchema,
  readinessSchema,
  runBodySchema,
  runDetailBodySchema,
  runListSchema,
  scheduleBodySchema,
  scheduleDeletedSchema,
  scheduleListSchema,
  tenantBudgetSchema,
  toolListSchema,
  definitionListSchema,
  mcpServerBodySchema,
  mcpServerListSchema,
  type McpServerView,
  type AdminAuditPage,
  type Definition,
  type ApiKey,
  type Approval,
  type Connection,
  type CreatedApiKey,
  type DailyUsage,
  type EventPage,
  type Health,
  type Principal,
  type RunCounts,
  type RunVerification,
  type Readiness,
  type Run,
  type RunDetail,
  type ResumedRun,
  type RunList,
  type StartedConnection,
  type Schedule,
  type TenantBudget,
  type Tool,
} from './schemas';
import { watchApprovalsInbox, watchRunEvents, watchRunsList, type RunsFilter, type WatchRunOptions, type WatchRunResult, type WatchRunsOptions } from './watch';

/** A run spec as a caller writes it (defaults such as `tags: []` may be left out). */
export type RunSpecInput = z.input<typeof runSpecSchema>;

export interface FlightdeckClientOptions {
  /** The API's base URL, e.g. `http://localhost:4000`. */
  baseUrl: string;
  apiKey: string;
  /** Another fetch (Next.js's, one with a proxy); default: the global one. */
  fetch?: typeof fetch;
  /** Per request; past it the call fails with FlightdeckUnreachableError. Default 10 s. */
  timeoutMs?: number;
  /** For `watchRun` / `watchRuns` in a browser: its own `WebSocket`. Default: the `ws` package. */
  WebSocket?: new (url: string) => WebSocketLike;
}

export interface ListRunsFilter {
  status?: RunStatus | RunStatus[];
  /** Runs that have every tag given. */
  tag?: string | string[];
  tool?: string;
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  /** Text in the run's name (case-insensitive). */
  q?: string;
  /** The children a run started (`ctx.run`). */
  parentRunId?: string;
  /** The replays and forks of a run. */
  originRunId?: string;
  limit?: number;
  cursor?: string;
}

type QueryValue = string | number | Date | string[] | undefined;

/**
 * The typed client of the Flightdeck API, shared by the dashboard, the CLI and the tests. Every
 * response body is checked against lib/api-client/schemas.ts; failures are FlightdeckApiError
 * (the API said no, or said something unreadable) or FlightdeckUnreachableError (no answer).
 */
export class FlightdeckClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly WebSocket?: new (url: string) => WebSocketLike;

  constructor(options: FlightdeckClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.WebSocket = options.WebSocket;
  }

  /** 201 → `created: true`; 200 → an `idempotencyKey` named a run that already existed. */
  async startRun(spec: RunSpecInput): Promise<{ run: RunDetail; created: boolean }> {
    const { status, body } = await this.request('POST', '/v1/runs', runDetailBodySchema, { body: spec });
    return { run: body.run, created: status === 201 };
  }

  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  async listRuns(filter: ListRunsFilter = {}): Promise<RunList> {
    const { createdAfter, createdBefore, ...rest } = filter;
    const query = { ...rest, createdAfter: isoOf(createdAfter), createdBefore: isoOf(createdBefore) };
    return (await this.request('GET', '/v1/runs', runListSchema, { query })).body;
  }

  /** How many runs match the filters (all but status), by status. */
  async countRuns(filter: Pick<ListRunsFilter, 'tag' | 'tool' | 'q'> = {}): Promise<RunCounts> {
    return (await this.request('GET', '/v1/runs/counts', runCountsSchema, { query: { ...filter } })).body;
  }

  /** Who this key is: tenant, role and the actor the log records. */
  async me(): Promise<Principal> {
    return (await this.request('GET', '/v1/me', principalSchema)).body;
  }

  async getRun(runId: string): Promise<RunDetail> {
    return (await this.request('GET', `/v1/runs/${encodeURIComponent(runId)}`, runDetailBodySchema)).body.run;
  }

  /** Events with `seq > afterSeq`, in order; there are more while `nextAfterSeq < lastSeq`. */
  async listEvents(runId: string, page: { afterSeq?: number; limit?: number } = {}): Promise<EventPage> {
    return (await this.request('GET', `/v1/runs/${encodeURIComponent(runId)}/events`, eventPageSchema, { query: page })).body;
  }

  /** Recomputes the run's hash chain on the API; `ok: false` names the first broken link. */
  async verifyRun(runId: string): Promise<RunVerification> {
    return (await this.request('GET', `/v1/runs/${encodeURIComponent(runId)}/verify`, runVerificationSchema)).body;
  }

  /** Graceful: the run records who asked and why, cancels its in-flight tool call, then ends `cancelled`. */
  async cancelRun(runId: string, reason?: string): Promise<Run> {
    return (await this.request('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`, runBodySchema, { body: { reason } })).body.run;
  }

  /** A new run of the same spec whose tool calls return the original's recorded results (models run live). */
  async replayRun(runId: string, options: { idempotencyKey?: string } = {}): Promise<RunDetail> {
    return (await this.request('POST', `/v1/runs/${encodeURIComponent(runId)}/replay`, runDetailBodySchema, { body: options })).body.run;
  }

  /** A new run reusing the original's results before `fromStep` (or `fromSeq`), live from there, with `input` if given. */
  async forkRun(runId: string, options: { fromStep?: string; fromSeq?: number; input?: RunSpecInput['input']; idempotencyKey?: string }): Promise<RunDetail> {
    return (await this.request('POST', `/v1/runs/${encodeURIComponent(runId)}/fork`, runDetailBodySchema, { body: options })).body.run;
  }

  /** Hard stop through Temporal: no workflow code runs; the API records `run.terminated`. */
  async terminateRun(runId: string, reason?: string): Promise<Run> {
    return (await this.request('POST', `/v1/runs/${encodeURIComponent(runId)}/terminate`, runBodySchema, { body: { reason } })).body.run;
  }

  /** A chat message into an agent run (409 for plan runs and ended runs). */
  async sendMessage(runId: string, text: string): Promise<Run> {
    return (await this.request('POST', `/v1/runs/${encodeURIComponent(runId)}/messages`, runBodySchema, { body: { text } })).body.run;
  }

  /** The tenant's approvals, pending first. */
  async listApprovals(filter: { status?: Approval['status'][]; runId?: string; limit?: number } = {}): Promise<Approval[]> {
    const query = new URLSearchParams();
    if (filter.status?.length) query.set('status', filter.status.join(','));
    if (filter.runId) query.set('runId', filter.runId);
    if (filter.limit) query.set('limit', String(filter.limit));
    const suffix = query.size > 0 ? `?${query}` : '';
    return (await this.request('GET', `/v1/approvals${suffix}`, approvalListSchema)).body.approvals;
  }

  /**
   * Approve (optionally with edited args) or reject a pending approval; 409 carries an existing
   * decision, or (`args_changed`) the args an edit put up since `argsHash` was read.
   */
  async decideApproval(
    runId: string,
    approvalId: string,
    decision: { decision: 'approve' | 'reject'; comment?: string; args?: Record<string, unknown>; argsHash?: string },
  ): Promise<Approval> {
    const path = `/v1/runs/${encodeURIComponent(runId)}/approvals/${encodeURIComponent(approvalId)}`;
    return (await this.request('POST', path, approvalBodySchema, { body: decision })).body.approval;
  }

  async listTools(): Promise<Tool[]> {
    return (await this.request('GET', '/v1/tools', toolListSchema)).body.tools;
  }

  /** The run definitions (`defineRun`) runs may name, with their input JSON Schemas. */
  async listDefinitions(): Promise<Definition[]> {
    return (await this.request('GET', '/v1/definitions', definitionListSchema)).body.definitions;
  }

  /** A Composio user's connected accounts (optionally of one toolkit, or with these statuses). */
  async listConnections(filter: { userId: string; toolkit?: string; status?: string[] }): Promise<Connection[]> {
    const query = { userId: filter.userId, toolkit: filter.toolkit, status: filter.status?.length ? filter.status.join(',') : undefined };
    return (await this.request('GET', '/v1/connections', connectionListSchema, { query })).body.connections;
  }

  /** Starts connecting an account through a Composio auth config; send the user to `redirectUrl`. */
  async startConnection(input: { userId: string; authConfigId: string; callbackUrl?: string }): Promise<StartedConnection> {
    return (await this.request('POST', '/v1/connections', startedConnectionSchema, { body: input })).body.connection;
  }

  /** Resumes the user's runs in `awaiting_connection` whose toolkit now has an ACTIVE account. */
  async syncConnections(userId: string): Promise<ResumedRun[]> {
    return (await this.request('POST', '/v1/connections/sync', resumedRunsSchema, { body: { userId } })).body.resumed;
  }

  /** The returned `key` is shown this once; `tenantId` is for the bootstrap admin key only. */
  async createKey(input: { name: string; role: Role; tenantId?: string }): Promise<CreatedApiKey> {
    return (await this.request('POST', '/v1/admin/keys', createdApiKeySchema, { body: input })).body;
  }

  async listKeys(tenantId?: string): Promise<ApiKey[]> {
    return (await this.request('GET', '/v1/admin/keys', apiKeyListSchema, { query: { tenantId } })).body.keys;
  }

  /** Revoking twice is harmless (the first revocation time stays). */
  async revokeKey(keyId: string, tenantId?: string): Promise<ApiKey> {
    return (await this.request('DELETE', `/v1/admin/keys/${encodeURIComponent(keyId)}`, apiKeyBodySchema, { query: { tenantId } })).body.apiKey;
  }

  /** Registers a Streamable HTTP MCP server for the key's tenant (admin): its tools become `mcp.<name>.<tool>`; header values are stored sealed, never returned. */
  async registerMcpServer(input: {
    name: string;
    url: string;
    headers?: Record<string, string>;
    timeout?: string;
    retryToolErrors?: boolean;
  }): Promise<McpServerView> {
    return (await this.request('POST', '/v1/mcp-servers', mcpServerBodySchema, { body: input })).body.mcpServer;
  }

  async listMcpServers(): Promise<McpServerView[]> {
    return (await this.request('GET', '/v1/mcp-servers', mcpServerListSchema)).body.mcpServers;
  }

  async deleteMcpServer(name: string): Promise<McpServerView> {
    return (await this.request('DELETE', `/v1/mcp-servers/${encodeURIComponent(name)}`, mcpServerBodySchema)).body.mcpServer;
  }

  /** A recurring run: exactly one of `cron` / `every`; the spec is checked as `startRun` checks it. */
  async createSchedule(input: {
    id?: string;
    spec: RunSpecInput;
    cron?: string;
    every?: string;
    timezone?: string;
    paused?: boolean;
    note?: string;
  }): Promise<Schedule> {
    return (await this.request('POST', '/v1/schedules', scheduleBodySchema, { body: input })).body.schedule;
  }

  async listSchedules(): Promise<Schedule[]> {
    return (await this.request('GET', '/v1/schedules', scheduleListSchema)).body.schedules;
  }

  async getSchedule(id: string): Promise<Schedule> {
    return (await this.request('GET', `/v1/schedules/${encodeURIComponent(id)}`, scheduleBodySchema)).body.schedule;
  }

  /** `pause`, `unpause` or `trigger` (start its run now); answers with the schedule as it is then. */
  async controlSchedule(id: string, action: 'pause' | 'unpause' | 'trigger', note?: string): Promise<Schedule> {
    return (await this.request('POST', `/v1/schedules/${encodeURIComponent(id)}/${action}`, scheduleBodySchema, { body: note ? { note } : {} })).body.schedule;
  }

  /** Runs it already started stay. */
  async deleteSchedule(id: string): Promise<void> {
    await this.request('DELETE', `/v1/schedules/${encodeURIComponent(id)}`, scheduleDeletedSchema);
  }

  /** The admin audit trail, newest first; page with `beforeId` = the previous page's `nextBeforeId`. */
  async listAdminAudit(query: { tenantId?: string; limit?: number; beforeId?: string; action?: string[] } = {}): Promise<AdminAuditPage> {
    const { action, ...rest } = query;
    return (await this.request('GET', '/v1/admin/audit', adminAuditPageSchema, { query: { ...rest, action: action?.join(',') } })).body;
  }

  /** The tenant's model tokens and cost per UTC day, `from` to `to` (`YYYY-MM-DD`, both included; default the 30 days up to today). */
  async getUsage(range: { from?: string; to?: string } = {}): Promise<DailyUsage> {
    return (await this.request('GET', '/v1/usage', dailyUsageSchema, { query: range })).body;
  }

  /** The tenant's monthly model budget (null: none) and this UTC month's spend. */
  async getBudget(): Promise<TenantBudget> {
    return (await this.request('GET', '/v1/budget', tenantBudgetSchema)).body;
  }

  /** Sets the tenant's monthly model budget in USD, or clears it with null (admin). */
  async setBudget(monthlyUsd: number | null): Promise<TenantBudget> {
    return (await this.request('PUT', '/v1/budget', tenantBudgetSchema, { body: { monthlyUsd } })).body;
  }

  /** Liveness: the process answers. */
  async health(): Promise<Health> {
    return (await this.request('GET', '/healthz', healthSchema)).body;
  }

  /** Readiness: Postgres and Temporal answer; a FlightdeckApiError (503, `details.checks`) when not. */
  async ready(): Promise<Readiness> {
    return (await this.request('GET', '/readyz', readinessSchema)).body;
  }

  /** Follows a run's events live, resuming across drops with no gap and no duplicate (see watch.ts). */
  watchRun(runId: string, options: WatchRunOptions): Promise<WatchRunResult> {
    return watchRunEvents({ target: this.streamTarget(), getRun: (id) => this.getRun(id) }, runId, options);
  }

  /** Follows the runs list; resolves when `options.signal` aborts (see watch.ts). */
  watchRuns(filter: RunsFilter, onRun: (run: Run) => void | Promise<void>, options?: WatchRunsOptions): Promise<void> {
    return watchRunsList({ target: this.streamTarget(), checkAccess: () => this.listRuns({ limit: 1 }) }, filter, onRun, options);
  }

  /** Follows the tenant's approvals inbox: each approval that is requested or changes; resolves when `options.signal` aborts. */
  watchApprovals(onApproval: (approval: Approval) => void | Promise<void>, options?: WatchRunsOptions): Promise<void> {
    return watchApprovalsInbox({ target: this.streamTarget(), checkAccess: () => this.listApprovals({ limit: 1 }) }, onApproval, options);
  }

  private streamTarget() {
    return { baseUrl: this.baseUrl, apiKey: this.apiKey, WebSocket: this.WebSocket };
  }

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: { body?: unknown; query?: Record<string, QueryValue> } = {},
  ): Promise<{ status: number; body: z.infer<S> }> {
    const url = `${this.baseUrl}${path}${queryString(options.query)}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new FlightdeckUnreachableError(this.baseUrl, cause);
    }
    const json = parseJson(text);
    if (!response.ok) {
      const errorBody = errorBodySchema.safeParse(json);
      if (errorBody.success) throw new FlightdeckApiError({ status: response.status, ...errorBody.data.error });
      throw new FlightdeckApiError({
        status: response.status,
        code: 'unexpected_response',
        message: `${method} ${path} answered HTTP ${response.status} without an error body`,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new FlightdeckApiError({
        status: response.status,
        code: 'invalid_response',
        message: `${method} ${path} returned an unexpected shape:\n${z.prettifyError(parsed.error)}`,
      });
    }
    return { status: response.status, body: parsed.data };
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const isoOf = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);

/** Lists are sent comma-joined, the form the API reads for `status` and `tag`. */
function queryString(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    params.set(name, Array.isArray(value) ? value.join(',') : value instanceof Date ? value.toISOString() : String(value));
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : '';
}
