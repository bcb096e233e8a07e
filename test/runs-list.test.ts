import { startRun, waitForEnd } from './run-helpers';
import { startTestStack, type TestStack } from './stack';

describe('GET /v1/runs filters and pages', () => {
  let stack: TestStack;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    stack = await startTestStack();
    const echo = { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } };
    const failing = { plan: { steps: [{ id: 'a', tool: 'builtin.flaky', args: { failures: 3 }, retry: { maxAttempts: 1 } }] } };
    ids.alpha = await startRun(stack, { ...echo, name: 'Nightly Alpha report', tags: ['nightly', 'reports'] });
    ids.beta = await startRun(stack, { ...echo, name: 'beta sync', tags: ['nightly'] });
    ids.gamma = await startRun(stack, { ...failing, name: 'gamma 100%_done', tags: ['adhoc'] });
    await Promise.all(Object.values(ids).map((id) => waitForEnd(stack, id)));
  });
  afterAll(async () => {
    await stack?.close();
  });

  const listIds = async (query: string) => {
    const response = await stack.request('GET', `/v1/runs?${query}`);
    expect(response.status).toBe(200);
    return response.body.runs.map((run: { id: string }) => run.id) as string[];
  };

  it('filters by status, tags (all must match), tool, name text and creation time', async () => {
    expect(await listIds('status=failed')).toEqual([ids.gamma]);
    expect(await listIds('status=completed,failed')).toEqual([ids.gamma, ids.beta, ids.alpha]);
    expect(await listIds('tag=nightly')).toEqual([ids.beta, ids.alpha]);
    expect(await listIds('tag=nightly,reports')).toEqual([ids.alpha]);
    expect(await listIds('tool=builtin.flaky')).toEqual([ids.gamma]);
    expect(await listIds('q=ALPHA')).toEqual([ids.alpha]);
    expect(await listIds('q=100%25_')).toEqual([ids.gamma]); // % and _ are literal, not wildcards
    expect(await listIds('q=0%25d')).toEqual([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await listIds(`createdAfter=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await listIds(`createdBefore=${encodeURIComponent(future)}`)).toHaveLength(3);
  });

  it('pages newest first with a cursor, never skipping or repeating', async () => {
    const first = await stack.request('GET', '/v1/runs?limit=2');
    expect(first.body.runs.map((run: { id: string }) => run.id)).toEqual([ids.gamma, ids.beta]);
    const second = await stack.request('GET', `/v1/runs?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.runs.map((run: { id: string }) => run.id)).toEqual([ids.alpha]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('rejects bad filters with 400', async () => {
    for (const query of ['status=sleeping', 'tool=nodots', 'createdAfter=yesterday', 'limit=500']) {
      expect((await stack.request('GET', `/v1/runs?${query}`)).status).toBe(400);
    }
  });
});
