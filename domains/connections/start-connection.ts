import { composioUserIdOf } from '../../tools/composio/composio-users';
import { sdkOf, upstreamError, type ConnectionDeps } from './composio-accounts';

/**
 * Starts a Composio Connect Link for the tenant's user (the account is Composio's under the
 * tenant-scoped id): they finish at `redirectUrl`, then the account turns ACTIVE.
 */
export async function startConnection(
  deps: Pick<ConnectionDeps, 'composio'>,
  tenantId: string,
  body: { userId: string; authConfigId: string; callbackUrl?: string },
): Promise<{ id: string; status: string; redirectUrl: string | null }> {
  const sdk = sdkOf(deps);
  try {
    const request = await sdk.connectedAccounts.link(
      composioUserIdOf(tenantId, body.userId),
      body.authConfigId,
      body.callbackUrl ? { callbackUrl: body.callbackUrl } : {},
    );
    return { id: request.id, status: request.status ?? 'INITIATED', redirectUrl: request.redirectUrl ?? null };
  } catch (error) {
    throw upstreamError(error, 'connect link');
  }
}
