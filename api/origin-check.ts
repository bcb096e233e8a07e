import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors';

/**
 * Browsers may call the API only from the dashboard's origin(s). A request without `Origin` (curl,
 * the dashboard's server side, the CLI) is not a browser's cross-site call and passes.
 */
export const isAllowedOrigin = (allowed: ReadonlySet<string>, origin: string | undefined): boolean => origin === undefined || allowed.has(origin);

export function forbiddenOrigin(origin: string): AppError {
  return new AppError('forbidden', `origin ${origin} may not call this API (FLIGHTDECK_ALLOWED_ORIGINS)`, { origin });
}

/** CORS for the allowed origins (preflight answered here); any other Origin is a 403 with the error shape. */
export function corsForOrigins(allowed: ReadonlySet<string>) {
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.headers.origin;
    if (origin === undefined) return next();
    if (!isAllowedOrigin(allowed, origin)) return next(forbiddenOrigin(origin));
    response.set({ 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'retry-after, www-authenticate' });
    if (request.method !== 'OPTIONS') return next();
    response
      .set({
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        // The Temporal Web UI cannot send an API key: it decodes through the dashboard (web/app/api/codec), not here.
        // The mcp-* headers are MCP's (/v1/mcp): a browser MCP client on an allowed origin sends them.
        'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version, mcp-method, mcp-name',
        'access-control-max-age': '600',
      })
      .status(204)
      .end();
  };
}
