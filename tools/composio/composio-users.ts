import type { ComposioSdk } from './composio-sdk';

/**
 * The Composio user id of a run's or a caller's user: `<tenantId>:<userId>`. One Composio project
 * serves every tenant, so the tenant is part of the id Composio sees: tenant B naming `alice` reaches
 * `B:alice`'s accounts, never `A:alice`'s. Built on the server (tool execution, the connections
 * routes, the poller) from the authenticated tenant, never taken from a client. Tenant ids cannot
 * contain `:` (and are percent-encoded in case one does), so the first `:` ends the tenant.
 */
export const composioUserIdOf = (tenantId: string, userId: string): string => `${encodeURIComponent(tenantId)}:${userId}`;

/** Pages read at the most when looking for one account among a user's. */
const maxAccountPages = 20;

/**
 * Whether `connectedAccountId` is one of the Composio user's connected accounts (any status):
 * Composio stores each account under the user id it was connected for, and lists by that id.
 */
export async function isAccountOfUser(sdk: ComposioSdk, composioUserId: string, connectedAccountId: string, signal?: AbortSignal): Promise<boolean> {
  let cursor: string | undefined;
  for (let page = 0; page < maxAccountPages; page += 1) {
    const listed = await sdk.connectedAccounts.list({ userIds: [composioUserId], limit: 1000, ...(cursor ? { cursor } : {}) }, { signal });
    if (listed.items.some((account) => account.id === connectedAccountId)) return true;
    if (!listed.nextCursor) return false;
    cursor = listed.nextCursor;
  }
  return false;
}
