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

/** undici hides the useful part (ECONNREFUSED …) in `cause`. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const inner = cause.cause;
  if (inner && typeof inner === 'object' && 'code' in inner && typeof inner.code === 'string') return inner.code;
  return cause.message;
}
