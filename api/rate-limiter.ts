import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors';
import { principalOf } from './auth';

/**
 * Per API key token buckets, in this API process's memory: each key may make `perMinute` requests
 * (REST calls, ws upgrades and ws frames alike) in a burst, refilled at `perMinute` a minute.
 * With N API processes a key gets up to N times the limit; this is a guard against runaway
 * clients, not billing.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(private readonly perMinute: number) {
    this.perMs = perMinute / 60_000;
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Takes one token for `key`; 0 when allowed, else the milliseconds until one is available. */
  take(key: string, now: number = Date.now()): number {
    if (!this.enabled) return 0;
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

/**
 * The 429 every limit answers with; `retryAfterMs` goes to `Retry-After` (seconds) and the details,
 * with `refused` (what was not done, e.g. a ws subscribe's runId) so the caller can send it again.
 */
export function rateLimitedError(retryAfterMs: number, refused: Record<string, unknown> = {}): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('rate_limited', `too many requests for this API key; retry after ${retryAfterSeconds} s`, { ...refused, retryAfterSeconds });
}

/** Which bucket a caller draws from: the key's id (the bootstrap admin key is "admin"). */
export const rateLimitKey = (principal: { actor: { id?: string } }): string => principal.actor.id ?? 'unknown';

/** REST: behind `requireAuth`, one token per request; 429 with Retry-After when the key's bucket is empty. */
export function rateLimitByKey(limiter: RateLimiter) {
  return (request: Request, response: Response, next: NextFunction) => {
    const waitMs = limiter.take(rateLimitKey(principalOf(request)));
    if (waitMs === 0) return next();
    const error = rateLimitedError(waitMs);
    response.set('retry-after', String((error.details as { retryAfterSeconds: number }).retryAfterSeconds));
    next(error);
  };
}
