import type { Knex } from 'knex';
import type { NetworkPolicy } from '../../lib/network-allow-list';
import type { SecretSealer } from '../../lib/sealed-secrets';

/** What registering, listing and removing a tenant's MCP servers needs. */
export interface McpServerDeps {
  db: Knex;
  /** FLIGHTDECK_PAYLOAD_KEYS' sealer: header values are stored sealed, or not at all. */
  sealer: SecretSealer;
  /** FLIGHTDECK_MCP_SERVERS' names: a tenant's server may not take one. */
  installationServers: ReadonlySet<string>;
  /** FLIGHTDECK_HTTP_ALLOW: a tenant's server URL must be one builtin.http_request could reach. */
  networkPolicy: NetworkPolicy;
  /** This process's tool catalogs of the tenant: told at once when its rows change. */
  onChange?(tenantId: string): void;
}
