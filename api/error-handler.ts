import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, isUnavailableError } from '../lib/errors';
import { maxJsonDepth, nestsDeeperThan } from '../lib/json-depth';

/** Body-parser errors carry a status and a type; map them to our error shape. */
function fromBodyParser(error: unknown): AppError | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null;
  const { type, message } = error as { type: string; message?: string };
  if (type === 'entity.parse.failed') return new AppError('validation_failed', 'request body is not valid JSON', { reason: message });
  if (type === 'entity.too.large') {
    const { limit } = error as { limit?: number };
    return new AppError('validation_failed', `request body is over the ${limit ? `${Math.round(limit / 1024)} KiB ` : ''}limit`, null, { status: 413 });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('validation_failed', 'unsupported request body encoding');
  }
  return null;
}

/** After the body parser: a body nested deeper than the schemas and hashing can walk is a 400, not a stack overflow. */
export function refuseDeepBodies(request: Request, _response: Response, next: NextFunction) {
  if (nestsDeeperThan(request.body)) {
    next(new AppError('validation_failed', `request body is nested deeper than ${maxJsonDepth} levels`, { maxDepth: maxJsonDepth }));
    return;
  }
  next();
}

/**
 * RFC 6750's challenge on every 401, which MCP clients read (/v1/mcp): an API key as a bearer
 * token; `invalid_token` when one was sent and refused.
 */
export const bearerChallenge = (request: Request) =>
  request.headers.authorization ? 'Bearer realm="flightdeck", error="invalid_token"' : 'Bearer realm="flightdeck"';

/** The one error handler: stable codes for callers, internals only in the log. */
export function errorHandler(log: Logger) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const appError = error instanceof AppError ? error : fromBodyParser(error);
    if (appError) {
      if (appError.status === 401) response.set('www-authenticate', bearerChallenge(request));
      response.status(appError.status).json(appError.toBody());
      return;
    }
    if (isUnavailableError(error)) {
      log.warn({ err: error, method: request.method, path: request.path }, 'dependency unavailable');
      const unavailable = new AppError('unavailable', 'a dependency of the API is unavailable; retry shortly');
      response.status(unavailable.status).set('retry-after', '2').json(unavailable.toBody());
      return;
    }
    log.error({ err: error, method: request.method, path: request.path }, 'unhandled error');
    response.status(500).json(new AppError('internal', 'internal error').toBody());
  };
}

export function notFoundHandler(request: Request, response: Response) {
  const error = new AppError('not_found', `no route for ${request.method} ${request.path}`);
  response.status(error.status).json(error.toBody());
}
