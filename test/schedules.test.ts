import { Client, Connection } from '@temporalio/client';
import { temporalScheduleId } from '../lib/schedule-contract';
import { triggerTick } from './run-helpers';
import { sleep, until } from './wait';
import { useTestStack } from './stack';

const echoSpec = { name: 'nightly-echo', tags: ['scheduled'], plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'tick' } }] } };

describe('schedules (Temporal Schedules on the real dev server)', () => {
  const created: string[] = [];
  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        for (const id of created) await stack.client.deleteSchedule(id).catch(() => undefined);
      },
    },
  );

  it('creates a schedule whose ticks start runs through the run-start path, once per tick', async () => {
    const schedule = await stack.client.createSchedule({ id: 'hourly-echo', spec: echoSpec, every: '1h', note: 'test' });
    created.push(schedule.id);
    expect(schedule).toMatchObject({ id: 'hourly-echo', every: '1h', cron: null, paused: false, recentRuns: [] });
    expect(schedule.nextRunTimes.length).toBeGreaterThan(0);
    expect(schedule.temporalUrl).toContain('/schedules/');

    const ticked = await triggerTick(stack, schedule.id);
    const runId = ticked.recentRuns[0]!.runId;
    const run = await stack.waitForRun(runId);
    expect(run).toMatchObject({ status: 'completed', name: 'nightly-echo', tags: ['scheduled'], createdBy: { type: 'system', id: 'schedule:hourly-echo' } });
    const events = (await stack.client.listEvents(runId)).events;
    expect(events.filter((event) => event.type === 'run.created')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('run.completed');
    expect((await stack.request('GET', `/v1/runs/${runId}/verify`)).body.ok).toBe(true);

    // A second tick is a second run. Temporal names a tick's workflow by its time to the second, so
    // two triggers within one second are one tick: trigger again in a later second.
    await sleep(1_100);
    const twice = await triggerTick(stack, schedule.id, 2);
    expect(new Set(twice.recentRuns.map((tick) => tick.runId)).size).toBe(2);
    await stack.waitForRun(twice.recentRuns[1]!.runId);
  });

  it("refuses the ticks of a schedule whose creator's key is revoked: no run starts", async () => {
    const scheduler = await stack.request('POST', '/v1/admin/keys', { name: 'scheduler', role: 'operator' });
    const { key, apiKey } = scheduler.body as { key: string; apiKey: { id: string } };
    const made = await fetch(`${stack.apiUrl}/v1/schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'orphaned', spec: echoSpec, every: '1h' }),
    });
    expect(made.status).toBe(201);
    created.push('orphaned');
    expect((await stack.request('DELETE', `/v1/admin/keys/${apiKey.id}`)).status).toBe(200);
    await stack.client.controlSchedule('orphaned', 'trigger');
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
    try {
      const temporal = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
      const handle = temporal.schedule.getHandle(temporalScheduleId(stack.tenantId, 'orphaned'));
      const described = await until(() => handle.describe(), {
        message: 'a tick',
        done: (current) => current.info.recentActions.length >= 1,
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      const tick = described.info.recentActions[0]!.action.workflow.workflowId;
      const failure = await temporal.workflow
        .getHandle(tick)
        .result()
        .then(
          () => null,
          (error: unknown) => error as { cause?: { cause?: { type?: string } } },
        );
      expect(failure?.cause?.cause?.type).toBe('KeyRevoked');
      const runId = (await stack.client.getSchedule('orphaned')).recentRuns[0]!.runId;
      expect((await stack.request('GET', `/v1/runs/${runId}`)).status).toBe(404);

      // Each refused tick is one row of the admin audit, by the schedule, naming the tick and the key.
      await stack.client.controlSchedule('orphaned', 'trigger');
      const second = await until(() => handle.describe(), {
        message: 'a second tick',
        done: (current) => current.info.recentActions.length >= 2,
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      const ticks = second.info.recentActions.map((action) => action.action.workflow.workflowId);
      await temporal.workflow
        .getHandle(ticks[1]!)
        .result()
        .catch(() => undefined);
      const refused = await stack.client.listAdminAudit({ action: ['schedule.tick_refused'] });
      // Two triggers within one second share the tick's workflow id; each execution has its row.
      expect(refused.entries.map((entry) => entry.details.tick).sort()).toEqual([...ticks].sort());
      expect(new Set(refused.entries.map((entry) => entry.details.tickExecution)).size).toBe(2);
      for (const entry of refused.entries) {
        expect(entry).toMatchObject({
          tenantId: stack.tenantId,
          actor: { type: 'system', id: 'schedule:orphaned' },
          action: 'schedule.tick_refused',
          target: 'orphaned',
          details: { reason: 'key_revoked', keyId: apiKey.id },
        });
      }
    } finally {
      await connection.close();
    }
  });

  it('takes a definition spec: its input is checked at creation (400 under input., 404 unknown), and its ticks start definition runs', async () => {
    const badInput = await stack.request('POST', '/v1/schedules', { id: 'bad-word', spec: { definition: 'echo-twice', input: { word: '' } }, every: '1h' });
    expect(badInput.status).toBe(400);
    expect(badInput.body.error).toMatchObject({ code: 'validation_failed', message: 'input does not fit the definition "echo-twice"' });
    expect(badInput.body.error.details).toEqual([expect.objectContaining({ path: 'input.word' })]);
    const noInput = await stack.request('POST', '/v1/schedules', { id: 'no-word', spec: { definition: 'echo-twice' }, every: '1h' });
    expect([noInput.status, noInput.body.error.details]).toEqual([400, [expect.objectContaining({ path: 'input' })]]);
    const unknown = await stack.request('POST', '/v1/schedules', { id: 'no-such', spec: { definition: 'no-such-run', input: {} }, every: '1h' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.known).toEqual(expect.arrayContaining(['echo-twice']));
    for (const id of ['bad-word', 'no-word', 'no-such']) expect((await stack.request('GET', `/v1/schedules/${id}`)).status).toBe(404);

    const schedule = await stack.client.createSchedule({ id: 'echo-definition', spec: { definition: 'echo-twice', input: { word: 'tick' } }, every: '1h' });
    created.push(schedule.id);
    const ticked = await triggerTick(stack, schedule.id);
    const run = await stack.waitForRun(ticked.recentRuns[0]!.runId);
    expect(run).toMatchObject({
      status: 'completed',
      mode: 'definition',
      output: { joined: 'tick-TICK' },
      createdBy: { type: 'system', id: 'schedule:echo-definition' },
    });
  });

  it('lists, pauses, unpauses and deletes, auditing each change', async () => {
    const schedule = await stack.client.createSchedule({ id: 'new-year', spec: echoSpec, cron: '0 0 1 1 *', timezone: 'Europe/Paris' });
    created.push(schedule.id);
    expect(schedule.nextRunTimes[0]).toMatch(/-12-31T23:00:00/); // midnight in Paris, winter time
    const listed = await until(() => stack.client.listSchedules(), {
      message: 'the list',
      done: (all) => all.some((entry) => entry.id === 'new-year'),
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(listed.map((entry) => entry.id)).toEqual(expect.arrayContaining(['new-year']));

    expect((await stack.client.controlSchedule('new-year', 'pause', 'holiday')).paused).toBe(true);
    expect((await stack.client.controlSchedule('new-year', 'unpause')).paused).toBe(false);
    await stack.client.deleteSchedule('new-year');
    expect((await stack.request('GET', '/v1/schedules/new-year')).status).toBe(404);

    const audit = await stack.client.listAdminAudit({ action: ['schedule.created', 'schedule.paused', 'schedule.unpaused', 'schedule.deleted'] });
    expect(audit.entries.filter((entry) => entry.target === 'new-year').map((entry) => entry.action)).toEqual([
      'schedule.deleted',
      'schedule.unpaused',
      'schedule.paused',
      'schedule.created',
    ]);
  });

  it('answers 400 / 422 / 409 / 403 / 404 as the rest of the API does', async () => {
    const post = (body: unknown) => stack.request('POST', '/v1/schedules', body);
    for (const body of [
      { spec: echoSpec },
      { spec: echoSpec, every: '1h', cron: '* * * * *' },
      { spec: echoSpec, every: 'often' },
      { spec: echoSpec, cron: 'not a cron' },
      { spec: echoSpec, every: '1h', timezone: 'Mars/Olympus' },
      { spec: { ...echoSpec, idempotencyKey: 'k' }, every: '1h' },
      { spec: echoSpec, every: '1h', id: 'no spaces please' },
      { spec: echoSpec, every: '1h', extra: true },
    ]) {
      const response = await post(body);
      expect([response.status, response.body.error.code]).toEqual([400, 'validation_failed']);
    }
    const unknownTool = await post({ spec: { plan: { steps: [{ id: 'x', tool: 'builtin.nope', args: {} }] } }, every: '1h' });
    expect(unknownTool.status).toBe(422);

    const first = await post({ id: 'dup', spec: echoSpec, every: '1d', paused: true });
    expect(first.status).toBe(201);
    created.push('dup');
    expect((await post({ id: 'dup', spec: echoSpec, every: '1d' })).status).toBe(409);

    const viewer = await stack.client.createKey({ name: 'schedule-viewer', role: 'viewer' });
    const asViewer = (method: string, path: string) =>
      fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${viewer.key}`, 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
      });
    expect((await asViewer('GET', '/v1/schedules/dup')).status).toBe(200);
    expect((await asViewer('POST', '/v1/schedules/dup/trigger')).status).toBe(403);

    const other = await stack.client.createKey({ name: 'other admin', role: 'admin', tenantId: `other-${stack.tenantId}` });
    const asOther = await fetch(`${stack.apiUrl}/v1/schedules/dup`, { headers: { authorization: `Bearer ${other.key}` } });
    expect(asOther.status).toBe(404);
  });
});
