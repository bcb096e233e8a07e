import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ComposioLimit } from './composio-config';
import type { LimitWaitDetails } from '../../lib/workflow-contract';

/** One limit key of a call: `toolkit:github|acme:user-1` or `tool:GITHUB_CREATE_AN_ISSUE|acme:user-1` (tenant `acme`). */
export interface LimitKey {
  key: string;
  concurrency?: number;
  rate?: { count: number; perMs: number };
}

export interface LimitSlot {
  release(): Promise<void>;
}

export interface ComposioLimiterOptions {
  /** A lease not renewed for this long frees its slot (a killed worker's call). */
  leaseTtlMs?: number;
  /** When a concurrency slot is taken there is no telling when it frees: try again after this long, doubling per wait. */
  concurrencyRetryMs?: number;
  /** The longest a concurrency wait backs off to. */
  concurrencyRetryMaxMs?: number;
}

interface KeyRow {
  key: string;
  tokens: number;
  refilled_ms: string | number;
  held_ms: string | number | null;
  now_ms: string | number;
}

/**
 * Concurrency and rate limits per (toolkit or tool, tenant's user), and 429 holds, shared by every worker
 * through Postgres: a call takes its slot in one transaction that locks its keys' rows (in key
 * order, so two calls never deadlock), refills token buckets by the database clock, and counts
 * unexpired leases. A granted call holds leases it renews while it runs and deletes when it ends.
 */
export class ComposioLimiter {
  private readonly leaseTtlMs: number;
  private readonly concurrencyRetryMs: number;
  private readonly concurrencyRetryMaxMs: number;

  constructor(
    private readonly db: Knex,
    private readonly limits: ComposioLimit[],
    options: ComposioLimiterOptions = {},
  ) {
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.concurrencyRetryMs = options.concurrencyRetryMs ?? 500;
    this.concurrencyRetryMaxMs = options.concurrencyRetryMaxMs ?? 8000;
  }

  /**
   * The keys a call of `tool` (in `toolkit`) for the Composio user takes; the toolkit's key always,
   * so a 429 can hold it. `composioUserId` is the tenant-scoped id (`composioUserIdOf`), so two
   * tenants' `user-1` never share a slot.
   */
  keysFor(toolkit: string, tool: string, composioUserId: string): LimitKey[] {
    const toolkitLimit = this.limits.find((limit) => limit.scope === 'toolkit' && limit.slug === toolkit.toLowerCase());
    const toolLimit = this.limits.find((limit) => limit.scope === 'tool' && limit.slug === tool.toUpperCase());
    const keys: LimitKey[] = [{ key: `toolkit:${toolkit.toLowerCase()}|${composioUserId}`, concurrency: toolkitLimit?.concurrency, rate: toolkitLimit?.rate }];
    if (toolLimit) keys.push({ key: `tool:${tool.toUpperCase()}|${composioUserId}`, concurrency: toolLimit.concurrency, rate: toolLimit.rate });
    return keys.sort((a, b) => a.key.localeCompare(b.key));
  }

  /**
   * A slot for the call, or how long to wait before asking again (and why). A concurrency wait
   * backs off with the call's earlier waits (`waitsSoFar`), so a long-held slot costs few polls.
   */
  async acquire(keys: LimitKey[], waitsSoFar = 0): Promise<LimitSlot | LimitWaitDetails> {
    if (keys.every((key) => key.concurrency === undefined && !key.rate)) return this.unlimited(keys);
    const concurrencyWaitMs = Math.min(this.concurrencyRetryMaxMs, this.concurrencyRetryMs * 2 ** Math.min(waitsSoFar, 16));
    const leaseIds: string[] = [];
    const wait = await this.db.transaction(async (trx) => {
      await trx.raw(
        `INSERT INTO composio_limit_keys (key, tokens, refilled_at)
         SELECT key, capacity, now() FROM unnest(?::text[], ?::float8[]) AS wanted(key, capacity)
         ON CONFLICT (key) DO NOTHING`,
        [keys.map((key) => key.key), keys.map((key) => key.rate?.count ?? 0)],
      );
      const rows = (
        await trx.raw<{ rows: KeyRow[] }>(
          `SELECT key, tokens, extract(epoch FROM refilled_at) * 1000 AS refilled_ms, extract(epoch FROM held_until) * 1000 AS held_ms,
                  extract(epoch FROM now()) * 1000 AS now_ms
           FROM composio_limit_keys WHERE key = ANY(?::text[]) ORDER BY key FOR UPDATE`,
          [keys.map((key) => key.key)],
        )
      ).rows;
      await trx.raw('DELETE FROM composio_limit_leases WHERE key = ANY(?::text[]) AND expires_at <= now()', [keys.map((key) => key.key)]);
      const inFlight = new Map(
        (
          await trx.raw<{ rows: Array<{ key: string; count: string }> }>(
            'SELECT key, count(*) AS count FROM composio_limit_leases WHERE key = ANY(?::text[]) GROUP BY key',
            [keys.map((key) => key.key)],
          )
        ).rows.map((row) => [row.key, Number(row.count)]),
      );

      let longest: LimitWaitDetails | null = null;
      const refilled = new Map<string, number>();
      const consider = (candidate: LimitWaitDetails) => {
        if (!longest || candidate.waitMs > longest.waitMs) longest = { ...candidate, waitMs: Math.ceil(candidate.waitMs) };
      };
      for (const key of keys) {
        const row = rows.find((candidate) => candidate.key === key.key)!;
        const now = Number(row.now_ms);
        if (row.held_ms !== null && Number(row.held_ms) > now) consider({ key: key.key, reason: 'held', waitMs: Number(row.held_ms) - now });
        if (key.concurrency !== undefined && (inFlight.get(key.key) ?? 0) >= key.concurrency) {
          consider({ key: key.key, reason: 'concurrency', waitMs: concurrencyWaitMs });
        }
        if (key.rate) {
          const perTokenMs = key.rate.perMs / key.rate.count;
          const tokens = Math.min(key.rate.count, Number(row.tokens) + (now - Number(row.refilled_ms)) / perTokenMs);
          refilled.set(key.key, tokens);
          if (tokens < 1) consider({ key: key.key, reason: 'rate', waitMs: (1 - tokens) * perTokenMs });
        }
      }
      if (longest) return longest;
      for (const [key, tokens] of refilled) {
        await trx.raw('UPDATE composio_limit_keys SET tokens = ?, refilled_at = now() WHERE key = ?', [tokens - 1, key]);
      }
      for (const key of keys.filter((candidate) => candidate.concurrency !== undefined)) {
        const id = `${key.key}#${randomUUID()}`;
        leaseIds.push(id);
        await trx.raw(`INSERT INTO composio_limit_leases (id, key, expires_at) VALUES (?, ?, now() + ? * interval '1 millisecond')`, [
          id,
          key.key,
          this.leaseTtlMs,
        ]);
      }
      return null;
    });
    if (wait) return wait;
    return this.slot(leaseIds);
  }

  /** Keys with no configured limit take nothing: one read checks whether a 429 holds any of them. */
  private async unlimited(keys: LimitKey[]): Promise<LimitSlot | LimitWaitDetails> {
    const held = (
      await this.db.raw<{ rows: Array<{ key: string; wait_ms: string | number }> }>(
        `SELECT key, extract(epoch FROM held_until - now()) * 1000 AS wait_ms FROM composio_limit_keys
         WHERE key = ANY(?::text[]) AND held_until > now() ORDER BY held_until DESC LIMIT 1`,
        [keys.map((key) => key.key)],
      )
    ).rows[0];
    return held ? { key: held.key, reason: 'held', waitMs: Math.ceil(Number(held.wait_ms)) } : this.slot([]);
  }

  /** A 429 for these keys: every call of theirs waits until `ms` from now (the longest hold wins). */
  async hold(keys: LimitKey[], ms: number): Promise<void> {
    // An upsert: a key without limits has no row until its first 429.
    await this.db.raw(
      `INSERT INTO composio_limit_keys AS limit_key (key, tokens, refilled_at, held_until)
       SELECT key, 0, now(), now() + ? * interval '1 millisecond' FROM unnest(?::text[]) AS held(key)
       ON CONFLICT (key) DO UPDATE SET held_until = GREATEST(COALESCE(limit_key.held_until, now()), EXCLUDED.held_until)`,
      [ms, keys.map((key) => key.key)],
    );
  }

  private slot(leaseIds: string[]): LimitSlot {
    if (leaseIds.length === 0) return { release: async () => undefined };
    const renew = setInterval(
      () => {
        void this.db
          .raw(`UPDATE composio_limit_leases SET expires_at = now() + ? * interval '1 millisecond' WHERE id = ANY(?::text[])`, [this.leaseTtlMs, leaseIds])
          .catch(() => undefined); // a missed renewal only lets the lease expire early
      },
      Math.max(100, Math.floor(this.leaseTtlMs / 3)),
    );
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.db.raw('DELETE FROM composio_limit_leases WHERE id = ANY(?::text[])', [leaseIds]);
      },
    };
  }
}

export const isLimitWait = (value: LimitSlot | LimitWaitDetails): value is LimitWaitDetails => 'waitMs' in value;
