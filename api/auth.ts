import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors';
import { hasRole } from '../lib/roles';
import type { Role } from '../lib/run-spec';
import type { Authenticator, Principal } from '../domains/keys';
import { authenticateThrottled } from './failed-auth-throttle';

// The caller's identity is the keys domain's; routes and the stream hub import it from here.
export type { Authenticator, Principal };

/** The bearer token of a request (`Authorization: Bearer`), or the ws `?token=` fallback browsers need. */
export function tokenOf(request: IncomingMessage, options: { allowQuery: boolean }): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  if (!options.allowQuery) return undefined;
  const url = new URL(request.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function requireAuth(authenticator: Authenticator) {
  return async (request: Request, response: Response, next: NextFunction) => {
    let principal: Principal;
    try {
      principal = await authenticateThrottled(authenticator, tokenOf(request, { allowQuery: false }), request.ip);
    } catch (error) {
      if (error instanceof AppError && error.code === 'rate_limited') {
        response.set('retry-after', String((error.details as { retryAfterSeconds: number }).retryAfterSeconds));
      }
      throw error;
    }
    request.principal = { ...principal, actor: { ...principal.actor, ip: request.ip } };
    next();
  };
}

/** The authenticated caller; routes behind `requireAuth` always have one. */
export function principalOf(request: Request): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'not authenticated');
  return request.principal;
}

/** The caller, if their role is at least `role`; 403 otherwise. */
export function principalWithRole(request: Request, role: Role): Principal {
  const principal = principalOf(request);
  if (!hasRole(principal.role, role)) {
    throw new AppError('forbidden', `this needs the ${role} role (your key is ${principal.role})`, { required: role, role: principal.role });
  }
  return principal;
}
