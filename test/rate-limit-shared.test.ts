/**
 * Per-key rate limits hold across API instances: two APIs on one Postgres draw a key's requests
 * from one bucket (api/rate-limiter.ts), so the key gets its budget once, not once per instance.
 * A budget of 2 a minute (a lease of one token): a refill comes only every 30 s.
 */
import pino from 'pino';
import WebSocket from 'ws';
import { PostgresRateLimiter } from '../api/rate-limiter';
import { startTestStack, type TestStack } from './stack';

const perMinute = 2;

describe('rate limits shared by API instances', () => {
  const stacks: TestStack[] = [];
  beforeAll(async () => {
    for (let index = 0; index < 2; index += 1)
      stacks.push(await startTestStack({ worker: 'none', env: { FLIGHTDECK_RATE_LIMIT_PER_MINUTE: String(perMinute) } }));
  });
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
  });

  it('gives a key its budget once across two instances, REST and ws alike', async () => {
    const [first, second] = stacks as [TestStack, TestStack];
    const created = await first.request('POST', '/v1/admin/keys', { name: 'shared-budget', role: 'operator' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const get = async (stack: TestStack) => (await fetch(`${stack.apiUrl}/v1/runs`, { headers: { authorization: `Bearer ${key}` } })).status;

    // Alternating instances: per process, each would allow 2 (4 in all); shared, 2 in all (3 if a
    // refill landed meanwhile).
    const statuses: Array<{ instance: number; status: number }> = [];
    for (let round = 0; round < 3; round += 1) {
      for (const [instance, stack] of [first, second].entries()) statuses.push({ instance, status: await get(stack) });
    }
    const allowed = statuses.filter((entry) => entry.status === 200);
    expect(allowed.length).toBeGreaterThanOrEqual(perMinute);
    expect(allowed.length).toBeLessThanOrEqual(perMinute + 1);
    expect(statuses.filter((entry) => entry.status === 429).map((entry) => entry.instance)).toEqual(expect.arrayContaining([0, 1]));

    // The ws upgrade on either instance draws from the same spent bucket.
    const upgrade = await new Promise<number>((resolve) => {
      const socket = new WebSocket(second.wsUrl, { headers: { authorization: `Bearer ${key}` } });
      socket.once('unexpected-response', (_request, incoming) => resolve(incoming.statusCode ?? 0));
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('error', () => undefined);
    });
    expect(upgrade).toBe(429);
  });

  it('leases tokens in blocks: two limiters on one bucket hand out the budget once, plus at most a lease each', async () => {
    const budget = 300; // a lease of 3
    const log = pino({ level: 'silent' });
    const instances = [new PostgresRateLimiter(stacks[0]!.db, budget, log), new PostgresRateLimiter(stacks[1]!.db, budget, log)];
    const bucket = `lease-test/${Date.now()}`;
    const started = Date.now();
    // Concurrent takes on both: each instance coalesces its own into one lease at a time.
    const results = await Promise.all(instances.flatMap((limiter) => Array.from({ length: 250 }, () => limiter.take(bucket))));
    const refilledMeanwhile = Math.ceil(((Date.now() - started) / 60_000) * budget);
    const allowed = results.filter((waitMs) => waitMs === 0).length;
    expect(allowed).toBeGreaterThanOrEqual(budget - 2 * 3);
    expect(allowed).toBeLessThanOrEqual(budget + 2 * 3 + refilledMeanwhile);
    for (const waitMs of results.filter((wait) => wait > 0)) expect(waitMs).toBeLessThanOrEqual(60_000);
  });
});
