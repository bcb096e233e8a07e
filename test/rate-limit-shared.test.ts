/**
 * Per-key rate limits hold across API instances: two APIs on one Postgres draw a key's requests
 * from one bucket (api/rate-limiter.ts), so the key gets its budget once, not once per instance.
 * A budget of 2 a minute (a lease of one token): a refill comes only every 30 s.
 */
import WebSocket from 'ws';
import { startTestStack, type TestStack } from './stack';

const perMinute = 2;

describe('rate limits shared by API instances', () => {
  const stacks: TestStack[] = [];
  beforeAll(async () => {
    for (let index = 0; index < 2; index += 1) stacks.push(await startTestStack({ worker: 'none', env: { FLIGHTDECK_RATE_LIMIT_PER_MINUTE: String(perMinute) } }));
  });
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
  });

  it('gives a key its budget once across two instances, REST and ws alike', async () => {
    const [first, second] = stacks as [TestStack, TestStack];
    const created = await first.request('POST', '/v1/admin/keys', { name: 'shared-budget', role: 'operator' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const get = async (stack: TestStack) =>
      (await fetch(`${stack.apiUrl}/v1/runs`, { headers: { authorization: `Bearer ${key}` } })).status;

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
});
