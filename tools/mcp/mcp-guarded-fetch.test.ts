import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { denyPrivateNetworks, parseNetworkAllowList, refusalForUrl } from '../network-guard';
import { guardedFetch } from './mcp-guarded-fetch';

describe("the fetch of a tenant's MCP server (network policy on every connection)", () => {
  let server: Server;
  let port: number;
  const seen: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method, headers: request.headers, body });
        if (request.url === '/redirect') return response.writeHead(302, { location: 'http://169.254.169.254/' }).end();
        response.writeHead(200, { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] });
        response.write('data: one\n\n');
        setTimeout(() => response.end('data: two\n\n'), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses loopback by default, before anything is sent, by IP literal and by name', async () => {
    const before = seen.length;
    await expect(guardedFetch(denyPrivateNetworks)(`http://127.0.0.1:${port}/mcp`, { method: 'POST', body: '{}' })).rejects.toMatchObject({
      code: 'EADDRREFUSED',
    });
    await expect(guardedFetch(denyPrivateNetworks)(`http://localhost:${port}/mcp`)).rejects.toThrow(/loopback, private/);
    expect(seen.length).toBe(before);
  });

  it('sends method, headers and body where the policy allows, and streams the answer', async () => {
    const fetch = guardedFetch(parseNetworkAllowList(['127.0.0.1']));
    const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Bearer sealed-then-opened', 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: one\n\ndata: two\n\n');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer sealed-then-opened' }, body: '{"jsonrpc":"2.0"}' });
  });

  it('follows no redirect: a 3xx comes back as it is', async () => {
    const response = await guardedFetch(parseNetworkAllowList(['127.0.0.1']))(`http://127.0.0.1:${port}/redirect`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://169.254.169.254/');
  });

  it('judges a URL to be stored: its host resolved, every address checked', async () => {
    expect(await refusalForUrl(denyPrivateNetworks, new URL('http://localhost/mcp'))).toMatch(/loopback/);
    expect(await refusalForUrl(denyPrivateNetworks, new URL('http://[::1]/mcp'))).toMatch(/loopback/);
    expect(await refusalForUrl(parseNetworkAllowList(['127.0.0.1']), new URL('http://127.0.0.1/mcp'))).toBeNull();
    expect(await refusalForUrl(denyPrivateNetworks, new URL('http://no-such-host.invalid/mcp'))).toMatch(/does not resolve/);
  });
});
