/** `GET /v1/runs?limit=50` over a tenant seeded with many runs: first page and a deep cursor page. */
import type { Knex } from 'knex';
import { encodeCursor, listRuns } from '../lib/runs-store';
import { echoPlanSpec, type FlightdeckEndpoint } from './flightdeck-runs';
import { msSince, summarizeLatencies, type LatencySummary } from './stats';

/**
 * Seeds `count` completed runs for `tenantId` in one INSERT … SELECT: setup, not a measured path.
 * They are a second apart, newest first, with a real plan spec, so rows are the size real ones are;
 * ids carry the tenant, since run ids are unique across tenants.
 */
export async function seedRuns(db: Knex, tenantId: string, count: number): Promise<void> {
  const spec = JSON.stringify(echoPlanSpec(5));
  await db.raw(
    `insert into runs (id, tenant_id, name, mode, status, tags, spec, spec_hash, last_seq, created_at, updated_at, started_at, completed_at)
     select 'run_seed_' || ? || '_' || lpad(i::text, 9, '0'), ?, 'seeded ' || i, 'plan', 'completed', array['seed'], ?::jsonb, 'seed', 18,
            t, t, t, t + interval '1 second'
     from generate_series(1, ?) as i, lateral (select now() - i * interval '1 second' as t) as times`,
    [tenantId, tenantId, spec, count],
  );
  await db.raw('analyze runs');
}

/** The API's own cursor for the page that starts after the `offset`-th newest run. */
export async function cursorAfter(db: Knex, tenantId: string, offset: number): Promise<{ createdAt: Date; id: string; encoded: string }> {
  const row = await db('runs')
    .where({ tenant_id: tenantId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .offset(offset - 1)
    .first<{ created_at: Date; id: string } | undefined>('created_at', 'id');
  if (!row) throw new Error(`tenant ${tenantId} has fewer than ${offset} runs`);
  return { createdAt: row.created_at, id: row.id, encoded: encodeCursor(row.created_at, row.id) };
}

/** Sequential GETs (after a few unmeasured ones), so each latency is the request's own. */
export async function measureGetLatency(endpoint: FlightdeckEndpoint, path: string, options: { requests: number; warmUp: number }): Promise<LatencySummary> {
  const latenciesMs: number[] = [];
  for (let index = 0; index < options.warmUp + options.requests; index += 1) {
    const sentAt = performance.now();
    const response = await fetch(`${endpoint.apiUrl}${path}`, { headers: { authorization: `Bearer ${endpoint.apiKey}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
    if (index >= options.warmUp) latenciesMs.push(msSince(sentAt));
  }
  return summarizeLatencies(latenciesMs);
}

/** EXPLAIN ANALYZE of the very SQL listRuns sends (captured from knex), for the report. */
export async function explainRunsList(db: Knex, tenantId: string, cursor?: { createdAt: Date; id: string }): Promise<string[]> {
  let captured: { sql: string; bindings: readonly unknown[] } | null = null;
  const capture = (query: { sql: string; bindings?: readonly unknown[] }) => {
    captured ??= { sql: query.sql, bindings: query.bindings ?? [] };
  };
  db.on('query', capture);
  try {
    await listRuns(db, tenantId, { limit: 50, cursor });
  } finally {
    db.off('query', capture);
  }
  if (!captured) throw new Error('listRuns sent no query');
  const { sql, bindings } = captured as { sql: string; bindings: readonly unknown[] };
  // knex reports the SQL as sent to pg ($1, $2…, numbered in order); raw() wants its own `?` placeholders back.
  const placeholders = sql.replace(/\$\d+/g, '?');
  const result = await db.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(`explain (analyze, buffers) ${placeholders}`, bindings as Knex.RawBinding[]);
  return result.rows.map((row) => row['QUERY PLAN']);
}
