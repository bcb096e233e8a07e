/**
 * The shared limiter against the real Postgres: token buckets, concurrency leases that free
 * themselves when not renewed (a killed worker's call), and 429 holds.
 */
import type { Knex } from 'knex';
import { ComposioLimiter, isLimitWait, type LimitSlot } from '../tools/composio/composio-limits';
import { createComposioSdk } from '../tools/composio/composio-sdk';
import { composioToolDefinition } from '../tools/composio/composio-tool';
import type { ToolContext } from '../tools/tool';
import { createDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { FakeComposioServer, githubCreateIssue } from './fake-composio-server';

describe('ComposioLimiter (state in Postgres)', () => {
  let db: Knex;
  const user = `limiter-${process.pid}-${Date.now()}`;

  beforeAll(() => {
    db = createDb(String(process.env.DATABASE_URL), { log: createLogger('test', 'silent') });
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('takes tokens from a bucket and says how long until the next one', async () => {
    const limiter = new ComposioLimiter(db, [{ scope: 'toolkit', slug: 'github', rate: { count: 2, perMs: 60_000 } }]);
    const keys = limiter.keysFor('github', 'GITHUB_CREATE_AN_ISSUE', `${user}-rate`);
    for (let i = 0; i < 2; i += 1) expect(isLimitWait(await limiter.acquire(keys))).toBe(false);
    const third = await limiter.acquire(keys);
    expect(third).toMatchObject({ reason: 'rate', key: `toolkit:github|${user}-rate` });
    // One token per 30 s: the wait is at most that.
    expect((third as { waitMs: number }).waitMs).toBeGreaterThan(0);
    expect((third as { waitMs: number }).waitMs).toBeLessThanOrEqual(30_000);
  });

  it("counts leases per key, frees a released one, and lets an unrenewed one (a dead worker's) expire", async () => {
    const limiter = new ComposioLimiter(db, [{ scope: 'tool', slug: 'GITHUB_CREATE_AN_ISSUE', concurrency: 1 }]);
    const keys = limiter.keysFor('github', 'GITHUB_CREATE_AN_ISSUE', `${user}-lease`);
    const other = limiter.keysFor('github', 'GITHUB_CREATE_AN_ISSUE', `${user}-other`);
    const first = (await limiter.acquire(keys)) as LimitSlot;
    expect(isLimitWait(first)).toBe(false);
    expect(await limiter.acquire(keys)).toMatchObject({ reason: 'concurrency', key: `tool:GITHUB_CREATE_AN_ISSUE|${user}-lease`, waitMs: 500 });
    // A call that already waited backs off: 500 ms doubled per earlier wait, up to 8 s.
    expect(await limiter.acquire(keys, 2)).toMatchObject({ reason: 'concurrency', waitMs: 2000 });
    expect(await limiter.acquire(keys, 10)).toMatchObject({ reason: 'concurrency', waitMs: 8000 });
    const otherSlot = await limiter.acquire(other);
    expect(isLimitWait(otherSlot)).toBe(false);
    await first.release();
    const second = (await limiter.acquire(keys)) as LimitSlot;
    expect(isLimitWait(second)).toBe(false);
    // As if its worker died: the lease is past its expiry and nobody renews it.
    await db.raw("UPDATE composio_limit_leases SET expires_at = now() - interval '1 second' WHERE key = ?", [`tool:GITHUB_CREATE_AN_ISSUE|${user}-lease`]);
    const third = (await limiter.acquire(keys)) as LimitSlot;
    expect(isLimitWait(third)).toBe(false);
    await Promise.all([second.release(), third.release(), (otherSlot as LimitSlot).release()]);
  });

  it('holds a key after a 429 for every caller until the hold passes', async () => {
    const limiter = new ComposioLimiter(db, []);
    const keys = limiter.keysFor('slack', 'SLACK_SEND_MESSAGE', `${user}-hold`);
    expect(isLimitWait(await limiter.acquire(keys))).toBe(false);
    await limiter.hold(keys, 60_000);
    const held = await new ComposioLimiter(db, []).acquire(keys);
    expect(held).toMatchObject({ reason: 'held', key: `toolkit:slack|${user}-hold` });
    expect((held as { waitMs: number }).waitMs).toBeGreaterThan(0);
    expect((held as { waitMs: number }).waitMs).toBeLessThanOrEqual(60_000);
    await limiter.hold(keys, 1);
    // A shorter hold never shortens a longer one.
    expect(await limiter.acquire(keys)).toMatchObject({ reason: 'held' });
  });

  it('holds a key never acquired before, for callers with and without limits on it', async () => {
    const unlimited = new ComposioLimiter(db, []);
    const limited = new ComposioLimiter(db, [{ scope: 'toolkit', slug: 'notion', rate: { count: 5, perMs: 1000 } }]);
    await unlimited.hold(unlimited.keysFor('notion', 'NOTION_CREATE_PAGE', `${user}-cold`), 60_000);
    expect(await unlimited.acquire(unlimited.keysFor('notion', 'NOTION_SEARCH', `${user}-cold`))).toMatchObject({ reason: 'held' });
    expect(await limited.acquire(limited.keysFor('notion', 'NOTION_SEARCH', `${user}-cold`))).toMatchObject({ reason: 'held' });
    expect(isLimitWait(await unlimited.acquire(unlimited.keysFor('notion', 'NOTION_SEARCH', `${user}-warm`)))).toBe(false);
  });

  it("keeps two tenants' users of the same userId apart: a call takes its tenant's user's slot", async () => {
    const fake = await new FakeComposioServer('limiter-key', [githubCreateIssue]).start();
    try {
      fake.executionDelayMs = 400;
      const toolkit = { slug: 'github', version: '20251027_00' };
      const sdk = createComposioSdk({ apiKey: 'limiter-key', baseUrl: fake.url, toolkits: [toolkit] });
      const limiter = new ComposioLimiter(db, [{ scope: 'tool', slug: 'GITHUB_CREATE_AN_ISSUE', concurrency: 1 }]);
      const tool = composioToolDefinition(sdk, { slug: githubCreateIssue.slug, name: 'create an issue', toolkit: { slug: 'github' } }, toolkit, limiter);
      const callFor = (tenantId: string): Promise<unknown> => {
        const context: ToolContext = {
          signal: new AbortController().signal,
          heartbeat: () => undefined,
          attempt: 1,
          tenantId,
          userId: `${user}-shared`,
          idempotencyKey: `${tenantId}/open`,
          limitWaits: 0,
        };
        return tool.execute({ title: tenantId }, context).then(
          () => 'ran',
          (error: { type?: string }) => error.type ?? 'error',
        );
      };
      // Tenant A's and tenant B's `<user>-shared` each have a slot of their own; a second call of A's waits.
      expect(await Promise.all([callFor('limiter-tenant-a'), callFor('limiter-tenant-b')])).toEqual(['ran', 'ran']);
      expect(fake.maxOverlapOverall).toBe(2);
      expect(new Set(await Promise.all([callFor('limiter-tenant-a'), callFor('limiter-tenant-a')]))).toEqual(new Set(['ran', 'LimitWait']));
      expect(fake.executionsOf(githubCreateIssue.slug).map((request) => request.body?.user_id)).toEqual([
        expect.stringMatching(/^limiter-tenant-[ab]:/),
        expect.stringMatching(/^limiter-tenant-[ab]:/),
        `limiter-tenant-a:${user}-shared`,
      ]);
    } finally {
      await fake.stop();
    }
  });
});
