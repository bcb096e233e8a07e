import { ApplicationFailure } from '@temporalio/common';
import { connectionRequiredErrorType, limitWaitErrorType, type ConnectionRequiredDetails, type LimitWaitDetails } from '../lib/workflow-contract';
import { FailureType } from '../lib/failure-types';

/** Error types the workflow never retries, whatever the step's policy says. */
export const nonRetryableErrorTypes: string[] = [
  FailureType.ValidationError,
  FailureType.UnknownTool,
  FailureType.ClientError,
  FailureType.BadReference,
  FailureType.ToolFailed,
  FailureType.McpProtocolError,
];

/** The caller's mistake (4xx-class, bad args): retrying cannot help. */
export function clientError(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.ClientError, message, nonRetryable: true, details: details === undefined ? [] : [details] });
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

/**
 * The user has no usable connected account for the toolkit (missing, expired, revoked). Final for
 * the activity; the workflow waits for a connection (`awaiting_connection`) and calls again.
 */
export function connectionRequired(message: string, details: ConnectionRequiredDetails): ApplicationFailure {
  return ApplicationFailure.create({ type: connectionRequiredErrorType, message, nonRetryable: true, details: [details] });
}

/**
 * No slot under a shared limit (or the key is held after a 429). Final for the activity, so the wait
 * spends no attempt: the workflow sleeps `waitMs` and calls again. The log shows it as retryable.
 */
export function limitWait(message: string, details: LimitWaitDetails): ApplicationFailure {
  return ApplicationFailure.create({ type: limitWaitErrorType, message, nonRetryable: true, nextRetryDelay: details.waitMs, details: [details] });
}

/** Failure types the workflow retries itself (a new activity), not Temporal's retry policy. */
export const workflowRetriedErrorTypes: readonly string[] = [limitWaitErrorType];

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
  if (status === 429) return retryableError(FailureType.RateLimited, message, retryAfterMs, details);
  if (status === 503) return retryableError(FailureType.ServiceUnavailable, message, retryAfterMs, details);
  if (status === 408) return retryableError(FailureType.Timeout, message, null, details);
  if (status >= 500) return retryableError(FailureType.ServerError, message, null, details);
  return clientError(message, details);
}

/**
 * SDK errors (Composio's, and any Stainless-generated client's) carry the HTTP exchange on the error
 * or somewhere along its `cause` chain: `status`, `headers`, and the parsed body as `error`.
 */
interface HttpErrorLike {
  status: number;
  headers?: unknown;
  error?: unknown;
  message?: string;
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 8; current = (current as { cause?: unknown }).cause) {
    chain.push(current);
    if (typeof current !== 'object') break;
  }
  return chain;
}

const isHttpError = (value: unknown): value is HttpErrorLike =>
  typeof value === 'object' && value !== null && typeof (value as HttpErrorLike).status === 'number' && (value as HttpErrorLike).status >= 400;

function headerOf(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  if (headers && typeof headers === 'object') {
    const value = (headers as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : null;
  }
  return null;
}

/** The provider's own words: `{error:{message}}` or `{message}` in the body, else the error's message. */
export function providerMessageOf(error: unknown): string {
  for (const link of causeChain(error)) {
    const body = isHttpError(link) ? link.error : undefined;
    const nested = (body as { error?: { message?: unknown } } | undefined)?.error?.message ?? (body as { message?: unknown } | undefined)?.message;
    if (typeof nested === 'string' && nested) return nested;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The retry decision for an error an SDK threw, by the same rules as `failureForStatus`: an HTTP
 * status anywhere in the cause chain decides (429 honours Retry-After); a timeout or a connection
 * failure is retried with backoff. Null when the error says nothing about the exchange (the caller
 * decides; for an SDK that is usually its own argument checking, a ClientError).
 */
export function failureForSdkError(error: unknown, context: string): ApplicationFailure | null {
  if (error instanceof ApplicationFailure) return error;
  const chain = causeChain(error);
  const http = chain.find(isHttpError);
  if (http) {
    return failureForStatus(http.status, headerOf(http.headers, 'retry-after'), `${context}: ${http.status} ${providerMessageOf(http)}`, {
      status: http.status,
      body: http.error ?? null,
    });
  }
  const names = chain.map((link) => (link instanceof Error ? `${link.name} ${(link as { code?: unknown }).code ?? ''} ${link.message}` : ''));
  if (names.some((name) => /timeout|timed out/i.test(name))) return retryableError(FailureType.Timeout, `${context}: ${providerMessageOf(error)}`);
  if (names.some((name) => /APIConnectionError|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EPIPE|fetch failed|socket hang up/i.test(name))) {
    return retryableError(FailureType.NetworkError, `${context}: ${providerMessageOf(error)}`);
  }
  return null;
}

/**
 * A tool that ran and reported failure (`successful: false`): final unless its error text says the
 * failure is transient upstream (rate limit, 5xx, timeout), since retrying a refused action repeats
 * the refusal — or, worse, a half-done side effect.
 */
export function failureForUnsuccessfulResult(message: string, details?: unknown): ApplicationFailure {
  if (/\b429\b|rate.?limit|too many requests/i.test(message)) return retryableError(FailureType.RateLimited, message, null, details);
  if (/\b50[0-4]\b|timed? ?out|temporarily unavailable/i.test(message)) return retryableError(FailureType.UpstreamError, message, null, details);
  return ApplicationFailure.create({ type: FailureType.ToolFailed, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}
