import { AppError } from '../lib/errors';
import type { Authenticator, Principal } from '../domains/keys';

/** Wrong keys one client address may send a minute, per API process, before it is refused unheard. */
export const failedAuthsPerMinute = 30;
const windowMs = 60_000;
const maxTrackedAddresses = 10_000;

/**
 * Counts failed authentications (a key was sent and refused) per client address, in memory, in
 * fixed one-minute windows. It runs before the key lookup, so guessing keys is throttled even
 * though the per-key rate limiter only ever sees valid keys.
 */
class FailedAuthThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  /** Milliseconds until `address` may try again, or 0. */
  waitMs(address: string): number {
    const entry = this.failures.get(address);
    const now = Date.now();
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= failedAuthsPerMinute ? entry.resetAt - now : 0;
  }

  recordFailure(address: string): void {
    const now = Date.now();
    const entry = this.failures.get(address);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= maxTrackedAddresses) this.prune(now);
    this.failures.set(address, { count: 1, resetAt: now + windowMs });
  }

  private prune(now: number): void {
    for (const [address, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(address);
    // Still full: drop the oldest windows (Map keeps insertion order).
    for (const address of this.failures.keys()) {
      if (this.failures.size < maxTrackedAddresses) break;
      this.failures.delete(address);
    }
  }
}

// One throttle per authenticator, so REST and the ws upgrade of an API process share the budget.
const throttles = new WeakMap<Authenticator, FailedAuthThrottle>();

/**
 * `authenticator.authenticate(token)`, unless `address` sent too many refused keys this minute:
 * then 429 `rate_limited` with `details.retryAfterSeconds`, before any lookup. A missing key is
 * not counted (it guesses nothing).
 */
export async function authenticateThrottled(authenticator: Authenticator, token: string | undefined, address: string | undefined): Promise<Principal> {
  let throttle = throttles.get(authenticator);
  if (!throttle) throttles.set(authenticator, (throttle = new FailedAuthThrottle()));
  const client = address ?? 'unknown';
  const waitMs = throttle.waitMs(client);
  if (waitMs > 0) {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new AppError('rate_limited', `too many failed authentications from this address; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  try {
    return await authenticator.authenticate(token);
  } catch (error) {
    if (token && error instanceof AppError && error.code === 'unauthenticated') throttle.recordFailure(client);
    throw error;
  }
}
