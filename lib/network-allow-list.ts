import { BlockList, isIP } from 'node:net';

/**
 * What `builtin.http_request` may connect to. A tool call's URL comes from a run spec or a model,
 * so by default it must not reach the machine it runs on, the private network or a cloud
 * metadata service: the decision is made on the resolved address, the one we then connect to.
 */
export interface NetworkPolicy {
  /** Host names (exact, lower case) allowed whatever they resolve to. */
  allowedHosts: ReadonlySet<string>;
  /** Addresses allowed even inside a denied range (`FLIGHTDECK_HTTP_ALLOW` CIDRs and IPs). */
  allowedAddresses: BlockList;
}

/** Parses `FLIGHTDECK_HTTP_ALLOW`: host names, IPs and CIDRs, comma separated. Throws on a bad entry. */
export function parseNetworkAllowList(entries: readonly string[]): NetworkPolicy {
  const allowedHosts = new Set<string>();
  const allowedAddresses = new BlockList();
  for (const entry of entries) {
    const [network, prefixText] = entry.split('/');
    const family = network ? isIP(network) : 0;
    if (family !== 0 && network) {
      const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has an invalid prefix length`);
      allowedAddresses.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (prefixText === undefined && /^[a-z0-9.-]+$/i.test(entry)) {
      allowedHosts.add(entry.toLowerCase());
    } else {
      throw new Error(`"${entry}" is not a host name, IP address or CIDR`);
    }
  }
  return { allowedHosts, allowedAddresses };
}
