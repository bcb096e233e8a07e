/**
 * Bad input and abuse at the API's edge: per-key rate limits on REST and ws (429 + Retry-After,
 * the error shape), body / frame / subscription-count limits, and CORS + ws Origin checks that
 * let only the dashboard's origin in (requests without Origin — curl, server side — pass).
 */
import WebSocket from 'ws';
import { startRun } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient, upgradeStatus } from './ws-client';

const perMinute = 30;
const maxSubscriptions = 3;
const pageBytes = 4096;
const maxConnections = 3;
const dashboard = 'http://localhost:3000';

describe('abuse limits at the API edge', () => {
  const stack = useTestStack({
    env: {
      FLIGHTDECK_RATE_LIMIT_PER_MINUTE: String(perMinute),
      FLIGHTDECK_WS_MAX_SUBSCRIPTIONS: String(maxSubscriptions),
      FLIGHTDECK_ALLOWED_ORIGINS: dashboard,
      FLIGHTDECK_WS_MAX_CONNECTIONS_PER_KEY: String(maxConnections),
    },
  });

  it('caps open ws connections per key: one more is a 429 in the error shape, until one closes', async () => {
    const [key, other] = [await freshKey('viewer'), await freshKey('viewer')];
    const open = (token: string) =>
      new Promise<{ status: number; socket: WebSocket; body?: string }>((resolve) => {
        const socket = new WebSocket(stack.wsUrl, { headers: { authorization: `Bearer ${token}` } });
        socket.once('open', () => resolve({ status: 101, socket }));
        socket.once('unexpected-response', (_request, incoming) => {
          let body = '';
          incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, socket, body }));
        });
        socket.once('error', () => undefined);
      });
    const held: Array<Awaited<ReturnType<typeof open>>> = [];
    for (let index = 0; index < maxConnections; index += 1) held.push(await open(key));
    expect(held.map((connection) => connection.status)).toEqual(Array(maxConnections).fill(101));
    const refused = await open(key);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body!)).toMatchObject({ error: { code: 'rate_limited', details: { limit: 'connections_per_key' } } });
    const bystander = await open(other);
    expect(bystander.status).toBe(101);
    bystander.socket.close();
    held[0]!.socket.close();
    await new Promise((resolve) => held[0]!.socket.once('close', resolve));
    let again = await open(key);
    for (let tries = 0; again.status !== 101 && tries < 20; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await open(key);
    }
    expect(again.status).toBe(101);
    for (const connection of [...held, again]) connection.socket.close();
  });

  /** A fresh key: each test starts with a full budget of its own. */
  const freshKey = async (role = 'operator'): Promise<string> => {
    const created = await stack.request('POST', '/v1/admin/keys', { name: `abuse-${role}`, role });
    expect(created.status).toBe(201);
    return created.body.key as string;
  };
  const get = (key: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });

  it('answers 429 with Retry-After and the error shape once a key spends its budget, and only for that key', async () => {
    const [spender, bystander] = [await freshKey(), await freshKey()];
    // All at once: the bucket holds `perMinute`, and refills far too slowly to serve ten more meanwhile.
    const responses = await Promise.all(Array.from({ length: perMinute + 10 }, () => get(spender, '/v1/tools')));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(perMinute);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);

    const limited = responses.find((response) => response.status === 429)!;
    expect(limited).toBeDefined();
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited.json()) as { error: { code: string; message: string; details: { retryAfterSeconds: number } } };
    expect(body.error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: Number(limited.headers.get('retry-after')) } });

    expect((await get(bystander, '/v1/tools')).status).toBe(200);
    // Probes are not behind a key and not limited.
    expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
  });

  it('limits ws frames and upgrades from the same budget', async () => {
    const key = await freshKey();
    const client = await TestStreamClient.connect(stack.wsUrl, key); // the upgrade takes one token
    const sent = perMinute + 10;
    for (let index = 0; index < sent; index += 1) client.send({ type: 'ping' });
    // Run subscribes past the budget: each refusal names its run, so the client can send it again.
    const subscribes = 3;
    for (let index = 0; index < subscribes; index += 1) client.send({ type: 'subscribe', runId: 'run_refused', afterSeq: 7 });
    const frames = await client.waitFor((all) => all.length >= sent + subscribes);
    expect(frames.filter((frame) => frame.type === 'pong').length).toBeGreaterThanOrEqual(perMinute - 1);
    const errors = frames.flatMap((frame) => (frame.type === 'error' ? [frame.error] : []));
    // A token refilled meanwhile lets a subscribe through, to a 404: that run does not exist.
    const limited = errors.filter((error) => error.code !== 'not_found');
    expect(limited.length).toBeGreaterThan(subscribes);
    for (const error of limited) expect(error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } });
    const refusedSubscribes = limited.filter((error) => (error.details as { runId?: string }).runId !== undefined);
    expect(refusedSubscribes.length).toBeGreaterThan(0);
    for (const error of refusedSubscribes) expect(error.details).toMatchObject({ runId: 'run_refused', afterSeq: 7 });
    await client.close();

    // The budget is spent: upgrades are refused with 429 (one may slip through on a refilled token).
    const upgrades = await Promise.all(Array.from({ length: 5 }, () => upgradeStatus(stack.wsUrl, { authorization: `Bearer ${key}` })));
    const refused = upgrades.filter((upgrade) => upgrade.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const upgrade of refused) expect(Number(upgrade.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('caps run subscriptions per connection and the size of a frame', async () => {
    const runIds: string[] = [];
    for (let index = 0; index <= maxSubscriptions; index += 1) {
      const started = await stack.request('POST', '/v1/runs', { name: `sub-${index}`, plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } });
      expect(started.status).toBe(201);
      runIds.push(started.body.run.id);
    }
    const client = await TestStreamClient.connect(stack.wsUrl, await freshKey('viewer'));
    for (const runId of runIds) client.send({ type: 'subscribe', runId, afterSeq: 0 });
    await client.waitFor((frames) => frames.some((frame) => frame.type === 'error'));
    const acked = client.frames.flatMap((frame) => (frame.type === 'subscribed' ? [frame.runId] : []));
    expect(acked).toEqual(runIds.slice(0, maxSubscriptions));
    expect(client.frames.find((frame) => frame.type === 'error')).toMatchObject({
      error: { code: 'validation_failed', details: { limit: maxSubscriptions, runId: runIds[maxSubscriptions] } },
    });

    // A frame over 64 KiB closes the connection with 1009 (message too big).
    const closed = client.closed();
    client.send({ type: 'ping', padding: 'x'.repeat(70 * 1024) });
    expect(await closed).toBe(1009);
  });

  it('refuses a body over 256 KiB with 413 and the error shape', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await freshKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('lets browsers in from the dashboard origin only; requests without Origin pass', async () => {
    const key = await freshKey('viewer');
    const preflight = await fetch(`${stack.apiUrl}/v1/runs`, {
      method: 'OPTIONS',
      headers: { origin: dashboard, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(dashboard);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');

    const fromDashboard = await get(key, '/v1/tools', { origin: dashboard });
    expect(fromDashboard.status).toBe(200);
    expect(fromDashboard.headers.get('access-control-allow-origin')).toBe(dashboard);

    const foreign = await get(key, '/v1/tools', { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const foreignPreflight = await fetch(`${stack.apiUrl}/v1/runs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreignPreflight.status).toBe(403);

    expect((await get(key, '/v1/tools')).status).toBe(200);

    const openWith = async (origin?: string) => (await upgradeStatus(stack.wsUrl, { authorization: `Bearer ${key}`, ...(origin ? { origin } : {}) })).status;
    expect(await openWith(dashboard)).toBe(101);
    expect(await openWith()).toBe(101);
    expect(await openWith('https://evil.example')).toBe(403);
  });
});

// Its own stack: paging through a run's events spends more requests than the rate-limited stack's budget.
describe('byte budget of an events page', () => {
  const stack = useTestStack({ env: { FLIGHTDECK_EVENTS_PAGE_MAX_BYTES: String(pageBytes) } });

  it('caps an events page in bytes: at least one event, the rest from nextAfterSeq', async () => {
    const padding = 'x'.repeat(3000);
    const steps = ['a', 'b', 'c', 'd'].map((id) => ({ id, tool: 'builtin.echo', args: { padding } }));
    const runId = await startRun(stack, { plan: { steps } });
    await stack.waitForRun(runId);
    const seen: number[] = [];
    for (let afterSeq = 0, pages = 0; ; pages += 1) {
      const page = await stack.request('GET', `/v1/runs/${runId}/events?afterSeq=${afterSeq}&limit=1000`);
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeGreaterThanOrEqual(1);
      const bytes = page.body.events.map((event: unknown) => Buffer.byteLength(JSON.stringify(event)));
      if (page.body.events.length > 1) expect(bytes.reduce((sum: number, size: number) => sum + size, 0)).toBeLessThanOrEqual(pageBytes);
      seen.push(...page.body.events.map((event: { seq: number }) => event.seq));
      afterSeq = page.body.nextAfterSeq;
      if (afterSeq >= page.body.lastSeq) break;
      expect(pages).toBeLessThan(100);
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_unused, index) => index + 1));
    const all = await stack.request('GET', `/v1/runs/${runId}/events?limit=1000`);
    expect(all.body.events.length).toBeLessThan(seen.length);
  });
});
