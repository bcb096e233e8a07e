/**
 * What the real worker process (`worker/main.ts`) does for operations: it keeps the deployment's
 * retention schedule in step with FLIGHTDECK_RETENTION_DAYS, starts schedule ticks' runs with the
 * same run-start settings as the API, and serves the Temporal SDK's metrics.
 */
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ChildProcess } from 'node:child_process';
import { retentionScheduleActor } from '../activities/purge-expired-runs';
import { retentionScheduleId, type RetentionPurgeResult } from '../lib/schedule-contract';
import { verifyRunLog } from '../lib/verify-chain';
import { freePort } from '../scripts/free-port';
import { startApiProcess } from './api-process';
import { startRun, triggerTick, waitForEnd } from './run-helpers';
import { until } from './wait';
import { testAdminKey, useTestStack } from './stack';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

const echo = { plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } }] } };
const napping = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };
const historyEventsLimit = 75;

/** The outcome the worker logged for its retention schedule at boot (worker/retention-schedule.ts). */
function retentionOutcome(worker: WorkerProcess): Promise<string> {
  const read = async () =>
    worker
      .rawOutput()
      .flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as { msg?: string; outcome?: string }] : []))
      .find((record) => record.msg === 'retention schedule')?.outcome;
  return until(read, {
    message: 'the worker to reconcile its retention schedule',
    done: (outcome) => outcome !== undefined || worker.hasCrashed(),
    timeoutMs: 60_000,
    intervalMs: 200,
  }).then((outcome) => {
    if (outcome === undefined) throw new Error(`worker crashed:\n${worker.outputTail().join('\n')}`);
    return outcome;
  });
}

/** The `agentRun` input a run's workflow was started with (its first history event). */
async function agentRunInput(temporal: Client, runId: string): Promise<Record<string, unknown>> {
  const history = await temporal.workflow.getHandle(runId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return defaultPayloadConverter.fromPayload(payload!);
}

const metricLines = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(name));

describe('the worker process in operation', () => {
  let connection: Connection;
  let temporal: Client;
  let scheduleId: string;
  const workers: WorkerProcess[] = [];
  let sdkMetricsPort: number;
  let workerMetricsPort: number;
  let apiChild: ChildProcess | null = null;

  const startWorker = (env: Record<string, string>) => {
    const worker = startWorkerProcess(stack.taskQueue, { LOG_LEVEL: 'info', FLIGHTDECK_HISTORY_EVENTS_LIMIT: String(historyEventsLimit), ...env });
    workers.push(worker);
    return worker;
  };

  const stack = useTestStack(
    { worker: 'none', env: { FLIGHTDECK_HISTORY_EVENTS_LIMIT: String(historyEventsLimit) } },
    {
      beforeClose: async () => {
        apiChild?.kill('SIGKILL');
        for (const worker of workers) await worker.stop();
        await temporal?.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
        await connection?.close();
      },
    },
  );
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    temporal = new Client({ connection });
    scheduleId = retentionScheduleId(stack.taskQueue);
    [sdkMetricsPort, workerMetricsPort] = [await freePort(), await freePort()];
  });

  it('two replicas booting with FLIGHTDECK_RETENTION_DAYS leave one daily schedule, not listed as any tenant’s', async () => {
    const env = { FLIGHTDECK_RETENTION_DAYS: '30' };
    const first = startWorker({ ...env, TEMPORAL_SDK_METRICS_PORT: String(sdkMetricsPort), WORKER_METRICS_PORT: String(workerMetricsPort) });
    const second = startWorker(env);
    expect([await retentionOutcome(first), await retentionOutcome(second)].sort()).toEqual(['created', 'unchanged']);

    const description = await temporal.schedule.getHandle(scheduleId).describe();
    expect(description.action).toMatchObject({ workflowType: 'retentionPurge', taskQueue: stack.taskQueue, args: [{ days: 30 }] });
    expect(description.memo).toEqual({ flightdeck: 'maintenance', purpose: 'retention' });
    const next = description.info.nextActionTimes[0]!;
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 17]);
    expect(description.state.paused).toBe(false);
    // Visible where operators look (Temporal's schedule list, as Web UI shows it), eventually consistent.
    await until(
      async () => {
        const ids: string[] = [];
        for await (const summary of temporal.schedule.list()) ids.push(summary.scheduleId);
        return ids;
      },
      { message: 'the schedule in the list', done: (ids) => ids.includes(scheduleId), timeoutMs: 60_000, intervalMs: 200 },
    );
    expect((await stack.client.listSchedules()).map((schedule) => schedule.id)).toEqual([]);
    await second.stop();
  });

  it('a tick purges a finished run past the period through the audited path, and nothing else', async () => {
    const [old, recent] = [await startRun(stack, echo), await startRun(stack, echo)];
    for (const runId of [old, recent]) await waitForEnd(stack, runId);
    const live = await startRun(stack, napping);
    // Age the run as 40 days would: `runs` is the projection, not the append-only log.
    await stack
      .db('runs')
      .where({ id: old })
      .update({ completed_at: stack.db.raw("now() - interval '40 days'") });

    const handle = temporal.schedule.getHandle(scheduleId);
    await handle.trigger();
    const described = await until(() => handle.describe(), {
      message: 'the tick',
      done: (current) => current.info.recentActions.length >= 1,
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const tick = described.info.recentActions[0]!.action.workflow;
    const result = (await temporal.workflow.getHandle(tick.workflowId, tick.firstExecutionRunId).result()) as RetentionPurgeResult;
    expect(result.purged).toBeGreaterThanOrEqual(1);

    expect((await stack.request('GET', `/v1/runs/${old}`)).status).toBe(404);
    expect(await stack.db('run_events').where({ run_id: old }).count<Array<{ count: string }>>('* as count')).toEqual([{ count: '0' }]);
    const audit = await stack.client.listAdminAudit({ action: ['retention.purged'] });
    expect(audit.entries.filter((entry) => entry.target === old)).toEqual([
      expect.objectContaining({ tenantId: stack.tenantId, actor: retentionScheduleActor, details: expect.objectContaining({ status: 'completed' }) }),
    ]);
    expect(audit.entries.map((entry) => entry.target)).not.toContain(recent);

    for (const runId of [recent, live]) expect((await verifyRunLog(stack.db, { tenantId: stack.tenantId, runId }))?.ok).toBe(true);
    expect((await stack.request('GET', `/v1/runs/${recent}`)).body.run.status).toBe('completed');
    await stack.request('POST', `/v1/runs/${live}/terminate`, {});
    await waitForEnd(stack, live);
    expect((await verifyRunLog(stack.db, { tenantId: stack.tenantId, runId: live }))?.ok).toBe(true);
  });

  it('starts a schedule tick’s run with the same run-start settings as POST /v1/runs', async () => {
    const schedule = await stack.client.createSchedule({ id: 'settings', spec: echo, every: '1h' });
    try {
      const ticked = await triggerTick(stack, schedule.id);
      const scheduled = ticked.recentRuns[0]!.runId;
      await stack.waitForRun(scheduled, { timeoutMs: 60_000 });
      const posted = await startRun(stack, echo);
      await waitForEnd(stack, posted);
      const [fromTick, fromApi] = [await agentRunInput(temporal, scheduled), await agentRunInput(temporal, posted)];
      expect(fromApi.historyEventsLimit).toBe(historyEventsLimit);
      expect(fromTick.historyEventsLimit).toBe(historyEventsLimit);
      // A tick's run also names the schedule's creator (onBehalfOf), who may not approve it either.
      expect(Object.keys(fromTick).sort()).toEqual([...Object.keys(fromApi), 'onBehalfOf'].sort());
      expect(fromTick.onBehalfOf).toMatchObject({ id: expect.any(String) });
      expect(fromTick.policies).toEqual(fromApi.policies);
    } finally {
      await stack.client.deleteSchedule(schedule.id);
    }
  });

  it('serves the Temporal SDK’s metrics and its own; a real API process serves the API’s', async () => {
    const sdk = await (await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`)).text();
    expect(metricLines(sdk, 'temporal_workflow_completed').length).toBeGreaterThan(0);
    expect(metricLines(sdk, 'temporal_activity_execution_latency').length).toBeGreaterThan(0);
    expect(sdk).toContain(`task_queue="${stack.taskQueue}"`);
    const own = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
    expect(metricLines(own, 'flightdeck_tool_call_attempts_total{tool="builtin.echo",outcome="succeeded"}').length).toBe(1);

    const api = await startApiProcess({
      ...process.env,
      FLIGHTDECK_ADMIN_KEY: testAdminKey,
      FLIGHTDECK_DEFAULT_TENANT: stack.tenantId,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    });
    apiChild = api.child;
    const response = await fetch(`${api.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(echo),
    });
    expect(response.status).toBe(201);
    await waitForEnd(stack, ((await response.json()) as { run: { id: string } }).run.id);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(metricLines(text, 'flightdeck_runs_started_total 1')).toHaveLength(1);
    expect(text).toContain('flightdeck_http_request_seconds_count{method="POST",route="/v1/runs",status="201"} 1');
    const exited = new Promise((resolve) => api.child.once('exit', resolve));
    api.child.kill('SIGTERM');
    await exited;
    apiChild = null;
  });

  it('follows a changed setting, keeping an operator’s pause, and removes the schedule when it is unset', async () => {
    const handle = temporal.schedule.getHandle(scheduleId);
    await handle.pause('paused by an operator');
    for (const worker of workers.splice(0)) await worker.stop();

    const changed = startWorker({ FLIGHTDECK_RETENTION_DAYS: '45' });
    expect(await retentionOutcome(changed)).toBe('updated');
    const description = await handle.describe();
    expect(description.action.args).toEqual([{ days: 45 }]);
    expect(description.state.paused).toBe(true);
    await changed.stop();

    const unset = startWorker({ FLIGHTDECK_RETENTION_DAYS: '' });
    expect(await retentionOutcome(unset)).toBe('deleted');
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
