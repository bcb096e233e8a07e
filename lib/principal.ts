import type { Actor } from './events';
import type { Role } from './run-spec';

/** Who is calling: the tenant every query is scoped to, the role, and the actor recorded in the log. */
export interface Principal {
  tenantId: string;
  role: Role;
  /** The bootstrap admin key (FLIGHTDECK_ADMIN_KEY): may manage keys of any tenant. */
  superAdmin: boolean;
  actor: Actor;
}

export interface Authenticator {
  authenticate(token: string | undefined): Promise<Principal>;
  /** Drops cached lookups (after a revoke), so this instance stops honouring the key at once. */
  invalidate(): void;
}
