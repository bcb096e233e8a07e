/**
 * builtin.http_request against real loopback servers: refused by default (IP literal, a name that
 * resolves to loopback, and a redirect from an allowed server to a denied one), reached when allowed.
 * Nothing here is sent to a non-loopback address.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { denyPrivateNetworks, parseNetworkAllowList } from './network-guard';
import { createHttpRequestTool } from './http-request';
import type { ToolContext } from './tool';

const context = (): ToolContext => ({
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  attempt: 1,
  tenantId: 'tenant-1',
  idempotencyKey: 'run:step',
  limitWaits: 0,
});

async function listen(host: string, handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((request, response) => {
    hits += 1;
    handler?.(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

describe('builtin.http_request and the network guard', () => {
  let target: Awaited<ReturnType<typeof listen>>;
  let redirector: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    // 127.0.0.2 is loopback too (Linux routes 127/8 to lo): a second, separately allowed address.
    target = await listen('127.0.0.2', (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":"internal"}'));
    redirector = await listen('127.0.0.1', (request, response) => {
      const to = new URL(request.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
      response.writeHead(302, { location: to }).end();
    });
  });
  afterAll(async () => {
    for (const { server } of [target, redirector]) await new Promise((resolve) => server.close(resolve));
  });

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  it('refuses a loopback IP literal and a name resolving to loopback, without connecting', async () => {
    const tool = createHttpRequestTool(denyPrivateNetworks);
    const literal = await failureOf(tool.execute(tool.inputSchema.parse({ url: `${target.url}/` }), context()));
    expect(literal).toMatchObject({ type: 'ClientError', nonRetryable: true });
    expect(literal.message).toContain('resolves to 127.0.0.2');
    const port = new URL(redirector.url).port;
    const named = await failureOf(tool.execute(tool.inputSchema.parse({ url: `http://localhost:${port}/` }), context()));
    expect(named).toMatchObject({ type: 'ClientError', nonRetryable: true });
    expect(named.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
    expect(target.hits()).toBe(0);
    expect(redirector.hits()).toBe(0);
  });

  it('checks every redirect hop: an allowed server cannot bounce the call to a denied address', async () => {
    const tool = createHttpRequestTool(parseNetworkAllowList(['127.0.0.1']));
    const bounced = await failureOf(tool.execute(tool.inputSchema.parse({ url: `${redirector.url}/?to=${encodeURIComponent(`${target.url}/`)}` }), context()));
    expect(bounced).toMatchObject({ type: 'ClientError' });
    expect(bounced.message).toContain('127.0.0.2');
    expect(redirector.hits()).toBe(1);
    expect(target.hits()).toBe(0);
  });

  it('reaches allowed addresses and follows redirects between them', async () => {
    const tool = createHttpRequestTool(parseNetworkAllowList(['127.0.0.1', '127.0.0.2/32']));
    const result = await tool.execute(tool.inputSchema.parse({ url: `${redirector.url}/?to=${encodeURIComponent(`${target.url}/`)}` }), context());
    expect(result).toMatchObject({ status: 200, body: { secret: 'internal' } });
    expect(target.hits()).toBe(1);
  });

  it('allows a listed host name whatever it resolves to', async () => {
    const tool = createHttpRequestTool(parseNetworkAllowList(['localhost']));
    const port = new URL(redirector.url).port;
    // localhost may resolve to ::1 first, where nothing listens: the request then fails as a network error, not a refusal.
    const outcome = await tool.execute(tool.inputSchema.parse({ url: `http://localhost:${port}/?to=/x` }), context()).then(
      (value) => ({ value }),
      (error: ApplicationFailure) => ({ error }),
    );
    if ('error' in outcome) expect(outcome.error.message).not.toContain('FLIGHTDECK_HTTP_ALLOW');
    expect(redirector.hits()).toBeGreaterThan(1);
  });
});
