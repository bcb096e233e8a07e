import { z } from 'zod';

/**
 * Stable error codes and the HTTP status each maps to by default (docs/api.md, "Errors").
 * `validation_failed` is 400 for a malformed request and 422 for a well-formed one that cannot run.
 */
export const errorStatus = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The one error type the API throws; the error handler and ws frames render it the same way. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options: { status?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? errorStatus[code];
    this.details = details;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details ?? null } };
  }
}

/** Flattens zod issues into `[{ path, message }]`, the `details` of a validation error. */
export function describeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws a `validation_failed` AppError naming every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError('validation_failed', `Invalid ${what}`, describeIssues(result.error));
  }
  return result.data;
}

// knex prefixes a failed query's SQL (`select ... - Connection terminated unexpectedly`).
const pgConnectionLost =
  /(^|- )(Connection terminated( unexpectedly)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect)$/;

/**
 * Errors that mean a dependency (Postgres, Temporal) cannot be reached right now: callers get
 * 503 `unavailable` and may retry, rather than a 500 that suggests a bug.
 */
export function isUnavailableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (name === 'KnexTimeoutError') return true; // no pool connection could be acquired
  // node-postgres reports a connection lost mid-query, or a pooled client already broken, without a code.
  if (typeof code !== 'string') return typeof message === 'string' && pgConnectionLost.test(message);
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code) ||
    code.startsWith('08') || // Postgres connection exceptions
    code === '57P01' || // admin shutdown
    code === '57P03' // cannot connect now (starting up)
  );
}
