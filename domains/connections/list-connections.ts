import { composioUserIdOf } from '../../tools/composio/composio-users';
import { sdkOf, upstreamError, type ConnectionDeps, type ConnectionView } from './composio-accounts';

/**
 * The tenant's user's connected accounts, optionally of one toolkit or in some statuses. Each shows
 * the `userId` the caller gave; Composio is asked for the tenant-scoped id.
 */
export async function listConnections(
  deps: Pick<ConnectionDeps, 'composio'>,
  tenantId: string,
  query: { userId: string; toolkit?: string; status?: string[] },
): Promise<ConnectionView[]> {
  const sdk = sdkOf(deps);
  let page;
  try {
    page = await sdk.connectedAccounts.list({
      userIds: [composioUserIdOf(tenantId, query.userId)],
      ...(query.toolkit ? { toolkitSlugs: [query.toolkit] } : {}),
      ...(query.status ? { statuses: query.status as never } : {}),
    });
  } catch (error) {
    throw upstreamError(error, 'connected accounts list');
  }
  return page.items.map((item) => ({
    id: item.id,
    userId: query.userId,
    toolkit: item.toolkit.slug,
    status: item.status,
    statusReason: item.statusReason ?? null,
    authConfigId: item.authConfig.id,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  }));
}
