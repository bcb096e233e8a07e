import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors';
import type { Actor } from '../lib/events';
import type { Role } from '../lib/run-spec';

/** Who is calling: the tenant every query is scoped to, and the actor recorded in the log. */
export interface Principal {
  tenantId: string;
  role: Role;
  actor: Actor;
}

export interface Authenticator {
  authenticate(token: string | undefined): Principal;
}

/**
 * The admin key from the environment, acting for the default tenant. Per-tenant keys, hashed at
 * rest, replace this with the API-and-auth issue; the interface stays.
 */
export function adminKeyAuthenticator(adminKey: string, tenantId: string): Authenticator {
  const expected = Buffer.from(adminKey);
  return {
    authenticate(token) {
      if (!token) throw new AppError('unauthenticated', 'missing API key: send "Authorization: Bearer <key>"');
      const given = Buffer.from(token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AppError('unauthenticated', 'invalid API key');
      }
      return { tenantId, role: 'admin', actor: { type: 'api_key', id: 'admin', role: 'admin' } };
    },
  };
}

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
  return (request: Request, _response: Response, next: NextFunction) => {
    const principal = authenticator.authenticate(tokenOf(request, { allowQuery: false }));
    request.principal = { ...principal, actor: { ...principal.actor, ip: request.ip } };
    next();
  };
}

/** The authenticated caller; routes behind `requireAuth` always have one. */
export function principalOf(request: Request): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'not authenticated');
  return request.principal;
}
