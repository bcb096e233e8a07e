import { errorStatus } from '../errors';

/**
 * The API answered, but not with success: its `{error:{code,message,details}}` body, or a body the
 * client cannot read (`unexpected_response` for an error without that shape, `invalid_response` for
 * a success whose body does not match the schema).
 */
export class FlightdeckApiError extends Error {
  override readonly name = 'FlightdeckApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(init: { status: number; code: string; message: string; details?: unknown }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? null;
  }

  /** A ws `error` frame carries no HTTP status: use the one the code maps to. */
  static fromFrame(error: { code: string; message: string; details?: unknown }): FlightdeckApiError {
    const status = (errorStatus as Record<string, number>)[error.code] ?? 500;
    return new FlightdeckApiError({ status, ...error });
  }
}

/** No answer at all: connection refused, DNS failure, reset or timeout. */
export class FlightdeckUnreachableError extends Error {
  override readonly name = 'FlightdeckUnreachableError';
  readonly url: string;

  constructor(url: string, cause: unknown) {
    const reason = describeCause(cause);
    super(`Flightdeck API unreachable at ${url}${reason ? ` (${reason})` : ''}`, { cause });
    this.url = url;
  }
}

/**
 * undici's "fetch failed" hides the useful part (ECONNREFUSED …) in `cause`. Duck-typed, not
 * `instanceof Error`: the error may come from another realm (a bundler's or a test runner's).
 */
function describeCause(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return '';
  const { message, cause: inner } = cause as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (typeof inner?.code === 'string') return inner.code;
  if (typeof inner?.message === 'string') return inner.message;
  return typeof message === 'string' ? message : '';
}
