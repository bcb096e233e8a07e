import 'server-only';
import { z } from 'zod';
import { FlightdeckApiError, FlightdeckUnreachableError, type FlightdeckClient } from './api';
import type { Connection } from '../../lib/api-client/schemas';

export type { Connection, ResumedRun } from '../../lib/api-client/schemas';

const firstString = (value: unknown) => (Array.isArray(value) ? value[0] : value);

/**
 * The connections page's URL (`?userId=…`, and `&status=success|failed` when Composio's Connect Link
 * sends the user back). Anything unreadable is dropped rather than failing the page; the API checks again.
 */
export const ConnectionsPageQuery = z.object({
  userId: z.preprocess(firstString, z.string().trim().max(200).catch('')).default(''),
  status: z.preprocess(firstString, z.string().trim().max(40).optional().catch(undefined)),
});

/** A 409 from the connections routes: the API runs without COMPOSIO_API_KEY, so it has no Composio. */
export const isComposioOff = (error: unknown): boolean => error instanceof FlightdeckApiError && error.status === 409;

export type ConnectionsView = { kind: 'ok'; connections: Connection[] } | { kind: 'composio_off' } | { kind: 'error'; code: string; message: string };

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
