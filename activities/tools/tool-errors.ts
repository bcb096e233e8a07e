import { ApplicationFailure } from '@temporalio/common';

/** Error types the workflow never retries, whatever the step's policy says. */
export const nonRetryableErrorTypes = ['ValidationError', 'UnknownTool', 'ClientError', 'BadReference'];

/** The caller's mistake (4xx-class, bad args): retrying cannot help. */
export function clientError(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: 'ClientError', message, nonRetryable: true, details: details === undefined ? [] : [details] });
}

/** A transient failure; `retryAfterMs` (from Retry-After) overrides the policy's backoff for the next attempt. */
export function retryableError(type: string, message: string, retryAfterMs?: number | null, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: false,
    nextRetryDelay: retryAfterMs ?? undefined,
    details: details === undefined ? [] : [details],
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Maps an HTTP status to the retry decision every HTTP-backed tool shares: 429 and 503 honour
 * Retry-After, other 5xx and 408 back off, other 4xx are final.
 */
export function failureForStatus(status: number, retryAfter: string | null, message: string, details?: unknown): ApplicationFailure {
  const retryAfterMs = parseRetryAfter(retryAfter);
  if (status === 429) return retryableError('RateLimited', message, retryAfterMs, details);
  if (status === 503) return retryableError('ServiceUnavailable', message, retryAfterMs, details);
  if (status === 408) return retryableError('Timeout', message, null, details);
  if (status >= 500) return retryableError('ServerError', message, null, details);
  return clientError(message, details);
}
