import { sdkOf, upstreamError, type ConnectionDeps } from './composio-accounts';

/** Starts a Composio Connect Link for the user: they finish at `redirectUrl`, then the account turns ACTIVE. */
export async function startConnection(
  deps: Pick<ConnectionDeps, 'composio'>,
  body: { userId: string; authConfigId: string; callbackUrl?: string },
): Promise<{ id: string; status: string; redirectUrl: string | null }> {
  const sdk = sdkOf(deps);
  try {
    const request = await sdk.connectedAccounts.link(body.userId, body.authConfigId, body.callbackUrl ? { callbackUrl: body.callbackUrl } : {});
    return { id: request.id, status: request.status ?? 'INITIATED', redirectUrl: request.redirectUrl ?? null };
  } catch (error) {
    throw upstreamError(error, 'connect link');
  }
}
