import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { hasRole } from '../../lib/roles';
import type { Role } from '../../lib/run-spec';
import { clientFor, FlightdeckApiError, type FlightdeckClient, type Principal } from './api';

/** The API key lives only here: an httpOnly cookie the browser sends back and its scripts cannot read. */
export const SESSION_COOKIE = 'flightdeck_key';
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

export interface Session {
  client: FlightdeckClient;
  principal: Principal;
  can(role: Role): boolean;
}

export async function sessionKey(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

/**
 * The signed-in key and who it is, once per request; no cookie, or a key the API no longer
 * accepts (revoked), goes to the sign-in page. Other failures (API down) propagate to the page.
 */
export const requireSession = cache(async (): Promise<Session> => {
  const key = await sessionKey();
  if (!key) redirect('/sign-in');
  const client = clientFor(key);
  let principal: Principal;
  try {
    principal = await client.me();
  } catch (error) {
    if (error instanceof FlightdeckApiError && error.status === 401) redirect('/sign-in?reason=expired');
    throw error;
  }
  return { client, principal, can: (role) => hasRole(principal.role, role) };
});

/** For pages only some roles may see: the API would refuse anyway, this says so plainly. */
export async function requireRole(role: Role): Promise<Session> {
  const session = await requireSession();
  if (!session.can(role)) redirect(`/forbidden?needs=${role}`);
  return session;
}
