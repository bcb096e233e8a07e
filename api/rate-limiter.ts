import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AppError, isUnavailableError } from '../lib/errors';
import { principalOf } from './auth';

/**
 * Per API key token buckets: each key may make `perMinute` requests (REST calls, ws upgrades and ws
 * frames alike) in a burst, refilled at `perMinute` a minute. `take` answers 0 when a request may
 * go on, else the milliseconds until a token is back.
 */
export interface RateLimiter {
  readonly enabled: boolean;
  take(bucket: string): Promise<number>;
}

/** Buckets in this process's memory: with N API processes a key gets up to N times the limit. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(private readonly perMinute: number) {
    this.perMs = perMinute / 60_000;
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  async take(key: string): Promise<number> {
    if (!this.enabled) return 0;
    const now = Date.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perMs);
  }
}

/** Per key: tokens this process leased from the shared bucket and has not used yet. */
interface Lease {
  tokens: number;
  leasedAt: number;
  /** The shared bucket was empty: refuse locally until then, without asking Postgres again. */
  deniedUntil: number;
  pending: Promise<void> | null;
}

/** A lease not used up within this long is dropped, so a long-idle process cannot burst past the budget. */
const leaseLifetimeMs = 60_000;
/** After Postgres failed to answer, how long this process limits on its own before asking again. */
const fallbackMs = 1_000;

/**
 * Buckets in Postgres (`rate_limit_buckets`), shared by every API instance. A process leases tokens
 * a block at a time (1% of the budget, at least 1) in one statement that refills the row by the time
 * since its last use, and spends them locally: one round trip per block, not per request. A key
 * gets its budget once across all instances, plus at most one unspent block per instance. The row
 * lock orders concurrent leases of one key, and an UPDATE re-evaluates its SET on the row version it
 * waited for. While Postgres cannot answer, this process's own buckets stand in.
 */
export class PostgresRateLimiter implements RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly fallback: MemoryRateLimiter;
  private readonly perSecond: number;
  private readonly leaseSize: number;
  private unavailableUntil = 0;

  constructor(
    private readonly db: Knex,
    private readonly perMinute: number,
    private readonly log: Logger,
    options: { leaseSize?: number } = {},
  ) {
    this.fallback = new MemoryRateLimiter(perMinute);
    this.perSecond = perMinute / 60;
    this.leaseSize = options.leaseSize ?? Math.max(1, Math.floor(perMinute / 100));
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  async take(bucket: string): Promise<number> {
    if (!this.enabled) return 0;
    // While Postgres is down, every request asking it first would be one more failed connection.
    if (Date.now() < this.unavailableUntil) return this.fallback.take(bucket);
    const lease = this.leaseOf(bucket);
    for (;;) {
      if (lease.tokens >= 1 && Date.now() - lease.leasedAt < leaseLifetimeMs) {
        lease.tokens -= 1;
        return 0;
      }
      const waitMs = lease.deniedUntil - Date.now();
      if (waitMs > 0) return waitMs;
      // Concurrent takes of one key wait for one lease instead of each asking Postgres.
      lease.pending ??= this.renew(bucket, lease).finally(() => {
        lease.pending = null;
      });
      try {
        await lease.pending;
      } catch (error) {
        if (!isUnavailableError(error)) throw error;
        this.log.debug({ err: error }, 'rate limit buckets unavailable; this process limits on its own');
        this.unavailableUntil = Date.now() + fallbackMs;
        return this.fallback.take(bucket);
      }
    }
  }

  private leaseOf(bucket: string): Lease {
    let lease = this.leases.get(bucket);
    if (!lease) {
      lease = { tokens: 0, leasedAt: 0, deniedUntil: 0, pending: null };
      this.leases.set(bucket, lease);
      if (this.leases.size > 100_000) this.leases.delete(this.leases.keys().next().value!);
    }
    return lease;
  }

  private async renew(bucket: string, lease: Lease): Promise<void> {
    const refilled = 'least(cast(:cap as float8), b.tokens + greatest(0, extract(epoch from now() - b.updated_at)) * cast(:perSecond as float8))';
    const { rows } = await this.db.raw<{ rows: Array<{ granted: number; tokens: number }> }>(
      `insert into rate_limit_buckets as b (bucket, tokens, granted, updated_at) values (:bucket, cast(:cap as float8) - :want, :want, now())
       on conflict (bucket) do update set
         granted = least(:want, floor(${refilled})),
         tokens = ${refilled} - least(:want, floor(${refilled})),
         updated_at = greatest(b.updated_at, now())
       returning granted, tokens`,
      { bucket, cap: this.perMinute, perSecond: this.perSecond, want: this.leaseSize },
    );
    const { granted, tokens } = rows[0]!;
    const now = Date.now();
    lease.tokens = granted;
    lease.leasedAt = now;
    lease.deniedUntil = granted >= 1 ? 0 : now + Math.max(1, Math.ceil(((1 - tokens) / this.perSecond) * 1000));
  }
}

/**
 * The 429 every limit answers with; `retryAfterMs` goes to `Retry-After` (seconds) and the details,
 * with `refused` (what was not done, e.g. a ws subscribe's runId) so the caller can send it again.
 */
export function rateLimitedError(retryAfterMs: number, refused: Record<string, unknown> = {}): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('rate_limited', `too many requests for this API key; retry after ${retryAfterSeconds} s`, { ...refused, retryAfterSeconds });
}

/**
 * Which bucket a caller draws from: its tenant and key id. The bootstrap admin key's id is "admin"
 * in every installation; its tenant tells installations sharing one database apart.
 */
export const rateLimitKey = (principal: { tenantId: string; actor: { id?: string } }): string => `${principal.tenantId}/${principal.actor.id ?? 'unknown'}`;

/** REST: behind `requireAuth`, one token per request; 429 with Retry-After when the key's bucket is empty. */
export function rateLimitByKey(limiter: RateLimiter) {
  return (request: Request, response: Response, next: NextFunction) => {
    limiter.take(rateLimitKey(principalOf(request))).then((waitMs) => {
      if (waitMs === 0) return next();
      const error = rateLimitedError(waitMs);
      response.set('retry-after', String((error.details as { retryAfterSeconds: number }).retryAfterSeconds));
      next(error);
    }, next);
  };
}
