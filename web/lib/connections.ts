import 'server-only';
import { FlightdeckApiError, FlightdeckUnreachableError, type FlightdeckClient } from './api';
import type { Connection } from '../../lib/api-client/schemas';

export type { Connection, ResumedRun } from '../../lib/api-client/schemas';

/** A 409 from the connections routes: the API runs without COMPOSIO_API_KEY, so it has no Composio. */
export const isComposioOff = (error: unknown): boolean => error instanceof FlightdeckApiError && error.status === 409;

export type ConnectionsView =
  | { kind: 'ok'; connections: Connection[] }
  | { kind: 'composio_off' }
  | { kind: 'error'; code: string; message: string };

/** A user's connected accounts for the connections page, newest change first; API failures become what to show. */
export async function loadConnections(client: FlightdeckClient, userId: string): Promise<ConnectionsView> {
  try {
    const connections = await client.listConnections({ userId });
    return { kind: 'ok', connections: connections.toSorted((a, b) => b.updatedAt.localeCompare(a.updatedAt)) };
  } catch (error) {
    if (isComposioOff(error)) return { kind: 'composio_off' };
    if (error instanceof FlightdeckApiError) return { kind: 'error', code: error.code, message: error.message };
    if (error instanceof FlightdeckUnreachableError) return { kind: 'error', code: 'unreachable', message: error.message };
    throw error;
  }
}
