import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { parseNetworkAllowList, type NetworkPolicy } from '../lib/network-allow-list';

// The policy and its parser are config (lib/network-allow-list.ts); the guard that applies them is the tool's.
export { parseNetworkAllowList, type NetworkPolicy };

/** Loopback, private, link-local (incl. metadata 169.254.169.254, fd00:ec2::254), CGNAT, multicast, unspecified. */
const deniedRanges: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const denied = new BlockList();
for (const [network, prefix, family] of deniedRanges) denied.addSubnet(network, prefix, family);

/** `::ffff:127.0.0.1` is 127.0.0.1: judge the IPv4 address an IPv4-mapped IPv6 one carries. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export const denyPrivateNetworks: NetworkPolicy = parseNetworkAllowList([]);

/** Null when `address` (what `hostname` resolved to) may be connected to; else why not. */
export function refusalFor(policy: NetworkPolicy, hostname: string, address: string): string | null {
  if (policy.allowedHosts.has(hostname.toLowerCase().replace(/\.$/, ''))) return null;
  const target = unmapped(address);
  if (policy.allowedAddresses.check(target.address, target.family)) return null;
  if (!denied.check(target.address, target.family)) return null;
  return `${hostname} resolves to ${address}, a loopback, private, link-local or metadata address (allow it with FLIGHTDECK_HTTP_ALLOW)`;
}

/** The error a refused connection fails with; the tool maps it to a non-retryable ClientError. */
export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/**
 * A `lookup` for http(s).Agent / request options: resolves, refuses if any address is denied, and
 * hands the socket exactly the addresses it checked — no second resolution a DNS rebinding could
 * answer differently.
 */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const refusal = refusalFor(policy, hostname, address);
        if (refusal) return callback(new AddressRefusedError(refusal), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} did not resolve`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Why the policy refuses `url`'s host, checked now (a name is resolved, every address judged);
 * null when it may be reached. For a URL stored to be called later (a tenant's MCP server): the
 * connection is guarded again when it is made (guardedLookup), so a name that resolves elsewhere
 * by then is refused there.
 */
export async function refusalForUrl(policy: NetworkPolicy, url: URL): Promise<string | null> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return refusalFor(policy, host, host);
  const resolved = await new Promise<{ addresses: LookupAddress[] } | { error: NodeJS.ErrnoException }>((resolve) =>
    dnsLookup(host, { all: true }, (error, addresses) => resolve(error ? { error } : { addresses })),
  );
  if ('error' in resolved) return `${host} does not resolve (${resolved.error.code ?? resolved.error.message})`;
  const { addresses } = resolved;
  for (const { address } of addresses) {
    const refusal = refusalFor(policy, host, address);
    if (refusal) return refusal;
  }
  return null;
}
