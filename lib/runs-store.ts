import type { Knex } from 'knex';
import type { Actor, FailureInfo, RunStatus } from './events';
import type { RunProjection } from './run-projection';
import type { RunMode, RunSpec } from './run-spec';

/** The `runs` row as Postgres holds it. */
export interface RunRow {
  id: string;
  tenant_id: string;
  name: string | null;
  mode: RunMode;
  status: RunStatus;
  tags: string[];
  tools: string[];
  spec: RunSpec;
  spec_hash: string;
  idempotency_key: string | null;
  parent_run_id: string | null;
  origin_run_id: string | null;
  output: unknown;
  current_step: string | null;
  pending_approvals: number;
  tool_calls_started: number;
  tool_calls_succeeded: number;
  tool_calls_failed: number;
  /** bigint columns: node-postgres reads them as strings. */
  usage_input_tokens: number | string;
  usage_output_tokens: number | string;
  usage_cached_input_tokens: number | string;
  usage_total_tokens: number | string;
  usage_cost_usd: number;
  usage_unpriced_calls: number;
  last_error: FailureInfo | null;
  created_by: Actor | null;
  last_seq: number;
  last_hash: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export function rowToRun(row: RunRow): RunProjection {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    mode: row.mode,
    status: row.status,
    tags: row.tags,
    tools: row.tools,
    spec: row.spec,
    specHash: row.spec_hash,
    idempotencyKey: row.idempotency_key,
    parentRunId: row.parent_run_id,
    originRunId: row.origin_run_id,
    output: row.output,
    currentStep: row.current_step,
    pendingApprovals: row.pending_approvals,
    toolCalls: {
      started: row.tool_calls_started,
      succeeded: row.tool_calls_succeeded,
      failed: row.tool_calls_failed,
    },
    usage: {
      inputTokens: Number(row.usage_input_tokens),
      outputTokens: Number(row.usage_output_tokens),
      cachedInputTokens: Number(row.usage_cached_input_tokens),
      totalTokens: Number(row.usage_total_tokens),
      costUsd: row.usage_cost_usd,
      unpricedCalls: row.usage_unpriced_calls,
    },
    lastError: row.last_error,
    createdBy: row.created_by,
    lastSeq: row.last_seq,
    lastHash: row.last_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

/** jsonb columns get JSON text: node-postgres would send a JS array as a Postgres array. */
export function runToRow(run: RunProjection): Record<string, unknown> {
  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  return {
    id: run.id,
    tenant_id: run.tenantId,
    name: run.name,
    mode: run.mode,
    status: run.status,
    tags: run.tags,
    tools: run.tools,
    spec: json(run.spec),
    spec_hash: run.specHash,
    idempotency_key: run.idempotencyKey,
    parent_run_id: run.parentRunId,
    origin_run_id: run.originRunId,
    output: json(run.output),
    current_step: run.currentStep,
    pending_approvals: run.pendingApprovals,
    tool_calls_started: run.toolCalls.started,
    tool_calls_succeeded: run.toolCalls.succeeded,
    tool_calls_failed: run.toolCalls.failed,
    usage_input_tokens: run.usage.inputTokens,
    usage_output_tokens: run.usage.outputTokens,
    usage_cached_input_tokens: run.usage.cachedInputTokens,
    usage_total_tokens: run.usage.totalTokens,
    usage_cost_usd: run.usage.costUsd,
    usage_unpriced_calls: run.usage.unpricedCalls,
    last_error: json(run.lastError),
    created_by: json(run.createdBy),
    last_seq: run.lastSeq,
    last_hash: run.lastHash,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    started_at: run.startedAt,
    completed_at: run.completedAt,
  };
}

export async function findRun(db: Knex, tenantId: string, runId: string): Promise<RunProjection | null> {
  const row = await db<RunRow>('runs').where({ id: runId, tenant_id: tenantId }).first();
  return row ? rowToRun(row) : null;
}

/** Which runs a maintenance job covers: all of them, a tenant's, named ones, or both filters. */
export interface RunSelection {
  tenantId?: string;
  runIds?: string[];
}

/** The selected runs' ids and tenants in id order, a page at a time: there may be millions. */
export async function* selectRuns(db: Knex, selection: RunSelection, options: { pageSize?: number } = {}): AsyncGenerator<{ id: string; tenantId: string }> {
  const pageSize = options.pageSize ?? 500;
  for (let afterId = ''; ;) {
    const query = db<RunRow>('runs').where('id', '>', afterId).orderBy('id', 'asc').limit(pageSize).select('id', 'tenant_id');
    if (selection.tenantId !== undefined) query.andWhere({ tenant_id: selection.tenantId });
    if (selection.runIds !== undefined) query.whereIn('id', selection.runIds);
    const page = await query;
    for (const row of page) yield { id: row.id, tenantId: row.tenant_id };
    const last = page[page.length - 1];
    if (!last || page.length < pageSize) return;
    afterId = last.id;
  }
}

export interface RunsPage {
  runs: RunProjection[];
  nextCursor: string | null;
}

export interface RunsFilter {
  status?: RunStatus[];
  /** Runs carrying every one of these tags. */
  tags?: string[];
  tool?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Case-insensitive text in the run's name. */
  text?: string;
  /** The children a run started (`ctx.run`). */
  parentRunId?: string;
  originRunId?: string;
}

function applyRunsFilter(builder: Knex.QueryBuilder, filter: RunsFilter): void {
  if (filter.status?.length) builder.whereIn('status', filter.status);
  if (filter.tags?.length) builder.whereRaw('tags @> ?::text[]', [filter.tags]);
  if (filter.tool) builder.whereRaw('tools @> ?::text[]', [[filter.tool]]);
  if (filter.createdAfter) builder.where('created_at', '>=', filter.createdAfter);
  if (filter.createdBefore) builder.where('created_at', '<', filter.createdBefore);
  if (filter.parentRunId) builder.where('parent_run_id', filter.parentRunId);
  if (filter.originRunId) builder.where('origin_run_id', filter.originRunId);
  if (filter.text) builder.whereILike('name', `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/** How many of the tenant's runs match `filter`, by status (statuses with none are left out). */
export async function countRunsByStatus(db: Knex, tenantId: string, filter: RunsFilter): Promise<Partial<Record<RunStatus, number>>> {
  const rows = await db('runs')
    .where({ tenant_id: tenantId })
    .modify((builder) => applyRunsFilter(builder, filter))
    .select('status')
    .count<Array<{ status: RunStatus; count: string }>>('* as count')
    .groupBy('status');
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** Newest first; the cursor is the last row's (created_at, id), so pages never skip or repeat. */
export async function listRuns(
  db: Knex,
  tenantId: string,
  options: { limit: number; cursor?: { createdAt: Date; id: string }; filter?: RunsFilter },
): Promise<RunsPage> {
  const query = db<RunRow>('runs')
    .where({ tenant_id: tenantId })
    .modify((builder) => applyRunsFilter(builder, options.filter ?? {}))
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(options.limit + 1);
  if (options.cursor) {
    query.whereRaw('(created_at, id) < (?, ?)', [options.cursor.createdAt, options.cursor.id]);
  }
  const rows = await query;
  const page = rows.slice(0, options.limit).map(rowToRun);
  const last = page[page.length - 1];
  return {
    runs: page,
    nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** Returns null for anything that is not a cursor this API issued. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string') return null;
    const date = new Date(createdAt);
    return Number.isNaN(date.getTime()) ? null : { createdAt: date, id };
  } catch {
    return null;
  }
}
