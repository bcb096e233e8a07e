import { FlightdeckApiError, type ListRunsFilter, type RunStatus } from '../lib/api-client';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';

describe('GET /v1/runs filters and pages', () => {
  const ids: Record<string, string> = {};
  const stack = useTestStack();
  beforeAll(async () => {
    const echo = { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } };
    const failing = { plan: { steps: [{ id: 'a', tool: 'builtin.flaky', args: { failures: 3 }, retry: { maxAttempts: 1 } }] } };
    ids.alpha = await startRun(stack, { ...echo, name: 'Nightly Alpha report', tags: ['nightly', 'reports'] });
    ids.beta = await startRun(stack, { ...echo, name: 'beta sync', tags: ['nightly'] });
    ids.gamma = await startRun(stack, { ...failing, name: 'gamma 100%_done', tags: ['adhoc'] });
    await Promise.all(Object.values(ids).map((id) => waitForEnd(stack, id)));
  });

  const listIds = async (filter: ListRunsFilter) => (await stack.client.listRuns(filter)).runs.map((run) => run.id);

  it('filters by status, tags (all must match), tool, name text and creation time', async () => {
    expect(await listIds({ status: 'failed' })).toEqual([ids.gamma]);
    expect(await listIds({ status: ['completed', 'failed'] })).toEqual([ids.gamma, ids.beta, ids.alpha]);
    expect(await listIds({ tag: 'nightly' })).toEqual([ids.beta, ids.alpha]);
    expect(await listIds({ tag: ['nightly', 'reports'] })).toEqual([ids.alpha]);
    expect(await listIds({ tool: 'builtin.flaky' })).toEqual([ids.gamma]);
    expect(await listIds({ q: 'ALPHA' })).toEqual([ids.alpha]);
    expect(await listIds({ q: '100%_' })).toEqual([ids.gamma]); // % and _ are literal, not wildcards
    expect(await listIds({ q: '0%d' })).toEqual([]);
    const future = new Date(Date.now() + 60_000);
    expect(await listIds({ createdAfter: future })).toEqual([]);
    expect(await listIds({ createdBefore: future })).toHaveLength(3);
  });

  it('pages newest first with a cursor, never skipping or repeating', async () => {
    const first = await stack.client.listRuns({ limit: 2 });
    expect(first.runs.map((run) => run.id)).toEqual([ids.gamma, ids.beta]);
    const second = await stack.client.listRuns({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.runs.map((run) => run.id)).toEqual([ids.alpha]);
    expect(second.nextCursor).toBeNull();
  });

  it('rejects bad filters with 400 naming the parameter', async () => {
    const badFilters: Array<[ListRunsFilter, string]> = [
      [{ status: 'sleeping' as RunStatus }, 'status.0'],
      [{ tool: 'nodots' }, 'tool'],
      [{ createdAfter: 'yesterday' }, 'createdAfter'],
      [{ limit: 500 }, 'limit'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ parentRunId: 'r'.repeat(101) }, 'parentRunId'],
    ];
    for (const [filter, path] of badFilters) {
      const error = await stack.client.listRuns(filter).catch((rejected: unknown) => rejected);
      expect(error).toBeInstanceOf(FlightdeckApiError);
      expect(error).toMatchObject({ status: 400, code: 'validation_failed', details: [expect.objectContaining({ path })] });
    }
  });
});
