/**
 * The combined process (`worker/combined-main.ts`, `npm start`'s default): the API and a worker on
 * one NativeConnection. Runs complete through it, Temporal hands their first workflow task back
 * in the start response (eager start, counted by the API's metric), and SIGTERM drains both and
 * exits 0 with nothing left half-closed.
 */
import path from 'node:path';
import { spawnManaged, type ManagedChild } from '../scripts/child-process';
import { freePort } from '../scripts/free-port';
import { createDb } from '../lib/db';
import { readEvents } from '../lib/event-log';
import { until } from './wait';

const repoRoot = path.resolve(__dirname, '..');
const adminKey = 'combined-admin-key-0123456789';

/** Polls `probe` (its errors count as not yet: the process may not listen yet) until it returns a value. */
const poll = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  (await until(() => probe().catch(() => undefined), { message: what, timeoutMs, intervalMs: 200 })) as T;

describe('combined API + worker process', () => {
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tenantId = `tenant-combined-${suffix}`;
  const lines: string[] = [];
  let combined: ManagedChild;
  let apiUrl: string;
  const db = createDb(process.env.DATABASE_URL ?? '');

  beforeAll(async () => {
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    combined = spawnManaged('api+worker', process.execPath, ['--import', 'tsx', 'worker/combined-main.ts'], {
      cwd: repoRoot,
      // DATABASE_URL, TEMPORAL_ADDRESS and WORKFLOW_BUNDLE_PATH come from global-setup via process.env.
      env: {
        ...process.env,
        TEMPORAL_TASK_QUEUE: `flightdeck-combined-${suffix}`,
        FLIGHTDECK_ADMIN_KEY: adminKey,
        FLIGHTDECK_DEFAULT_TENANT: tenantId,
        API_PORT: String(port),
        API_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      write: (line) => lines.push(line),
    });
    await poll('the combined process to be ready', async () => ((await fetch(`${apiUrl}/readyz`)).status === 200 ? true : undefined), 120_000);
  }, 150_000);
  afterAll(async () => {
    await combined?.stop();
    await db.destroy();
  });

  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const eagerStarts = async () => {
    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    return Number(/^flightdeck_runs_started_eagerly_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
  };

  it('completes runs whose first workflow task came back in the start response', async () => {
    const runIds: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await fetch(`${apiUrl}/v1/runs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          plan: {
            steps: [
              { id: 'a', tool: 'builtin.echo', args: { index } },
              { id: 'b', tool: 'builtin.echo', args: {} },
            ],
          },
        }),
      });
      expect(response.status).toBe(201);
      const runId = ((await response.json()) as { run: { id: string } }).run.id;
      runIds.push(runId);
      const events = await poll(`run ${runId} to complete`, async () => {
        const stored = await readEvents(db, { tenantId, runId }, { afterSeq: 0, limit: 100 });
        return stored.at(-1)?.type === 'run.completed' ? stored : undefined;
      });
      expect(events.map((event) => event.seq)).toEqual(events.map((_, seq) => seq + 1));
      expect(events.filter((event) => event.type === 'run.created')).toHaveLength(1);
    }
    // Counted from the SDK's start result: Temporal returned each run's first workflow task inline.
    expect(await eagerStarts()).toBe(runIds.length);
  }, 180_000);

  it('drains and exits 0 on SIGTERM', async () => {
    await combined.stop();
    expect(await combined.exited).toBe(0);
    const output = lines.join('\n');
    expect(output).toMatch(/api stopping/);
    expect(output).toMatch(/worker stopped/);
    expect(output).not.toMatch(/failed/);
  }, 60_000);
});
