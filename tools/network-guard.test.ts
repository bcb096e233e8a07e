import { denyPrivateNetworks, parseNetworkAllowList, refusalFor } from './network-guard';

describe('the network guard of builtin.http_request', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback v6'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'unique local v6'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata v6'],
    ['fe80::1', 'link-local v6'],
    ['100.100.100.200', 'CGNAT (Alibaba metadata)'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified v6'],
    ['224.0.0.1', 'multicast'],
  ])('refuses %s (%s) by default', (address) => {
    expect(refusalFor(denyPrivateNetworks, 'example.test', address)).toMatch(/resolves to .*FLIGHTDECK_HTTP_ALLOW/);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:1.1.1.1'])('lets public %s through', (address) => {
    expect(refusalFor(denyPrivateNetworks, 'example.test', address)).toBeNull();
  });

  it('allows listed hosts, addresses and CIDRs, and nothing next to them', () => {
    const policy = parseNetworkAllowList(['127.0.0.1', '10.0.0.0/8', 'Internal.Example', 'fd00::/64']);
    expect(refusalFor(policy, 'a.test', '127.0.0.1')).toBeNull();
    expect(refusalFor(policy, 'a.test', '::ffff:127.0.0.1')).toBeNull();
    expect(refusalFor(policy, 'a.test', '127.0.0.2')).not.toBeNull();
    expect(refusalFor(policy, 'a.test', '10.200.0.1')).toBeNull();
    expect(refusalFor(policy, 'a.test', '192.168.0.1')).not.toBeNull();
    expect(refusalFor(policy, 'internal.example', '192.168.0.1')).toBeNull();
    expect(refusalFor(policy, 'internal.example.', '192.168.0.1')).toBeNull();
    expect(refusalFor(policy, 'other.example', '192.168.0.1')).not.toBeNull();
    expect(refusalFor(policy, 'a.test', 'fd00::5')).toBeNull();
    expect(refusalFor(policy, 'a.test', 'fd00:0:0:1::5')).not.toBeNull();
  });

  it('rejects entries that are not a host, IP or CIDR', () => {
    expect(() => parseNetworkAllowList(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => parseNetworkAllowList(['http://x'])).toThrow(/not a host name/);
    expect(() => parseNetworkAllowList(['bad host'])).toThrow(/not a host name/);
  });
});
