/**
 * The fast tool path (issue 12): short built-in tools run as local activities and `step.started`
 * lands in the same append as the call's first `tool.call.started`; long or external tools stay
 * ordinary activities. The log's guarantees must be the same either way: every attempt recorded,
 * gapless seq, each fact once. (The chaos test kills the worker during five-step echo runs, which
 * take this path: one `tool.call.succeeded` per step there too.) A plan run's `run.started` rides with
 * its first step's append.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { RunEvent } from '../lib/events';
import { verifyRunLog } from '../lib/verify-chain';
import { saveHistoryFixture } from './history-fixtures';
import { startRun, typesOf, waitForEnd, expectEventTypes } from './run-helpers';
import { startTestStack, type TestStack } from './stack';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);

describe('fast tool path', () => {
  let stack: TestStack;
  let connection: Connection;
  let peer: Server;
  let peerUrl: string;

  beforeAll(async () => {
    peer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', () => resolve()));
    peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
    [stack, connection] = await Promise.all([
      startTestStack({ env: { FLIGHTDECK_HTTP_ALLOW: '127.0.0.1' } }),
      Connection.connect({ address: process.env.TEMPORAL_ADDRESS }),
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    await connection?.close();
    await new Promise((resolve) => peer?.close(resolve));
  });

  /** What Temporal recorded: which activity types ran as ordinary activities, which as local ones. */
  async function activityKinds(runId: string): Promise<{ ordinary: string[]; local: string[] }> {
    const handle = new Client({ connection }).workflow.getHandle(runId);
    // The log's run.completed is written inside the last workflow task: wait for that task to close.
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const ordinary = events.flatMap((event) =>
      event.activityTaskScheduledEventAttributes?.activityType?.name ? [event.activityTaskScheduledEventAttributes.activityType.name] : [],
    );
    const local = events.flatMap((event) => {
      const attributes = event.markerRecordedEventAttributes;
      const payload = attributes?.markerName === 'core_local_activity' ? attributes.details?.data?.payloads?.[0]?.data : undefined;
      return payload ? [String((JSON.parse(Buffer.from(payload).toString('utf8')) as { activity_type: string }).activity_type)] : [];
    });
    return { ordinary, local };
  }

  const expectGaplessAndVerified = async (runId: string, events: RunEvent[]) => {
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(await verifyRunLog(stack.db, { tenantId: stack.tenantId, runId })).toMatchObject({ ok: true });
  };

  it('runs a short built-in tool as a local activity and records both attempts when it fails once', async () => {
    const runId = await startRun(stack, { plan: { steps: [{ id: 'shaky', tool: 'builtin.flaky', args: { failures: 1 } }] } });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'step.started',
      'tool.call.started',
      'tool.call.failed',
      'tool.call.started',
      'tool.call.succeeded',
      'run.completed',
    ]);
    expect(dataOf(events, 'tool.call.failed').map((failure) => [failure.attempt, failure.error.errorClass, failure.error.retryable])).toEqual([
      [1, 'FlakyFailure', true],
    ]);
    expect(dataOf(events, 'tool.call.succeeded')).toEqual([expect.objectContaining({ attempt: 2, output: { attempt: 2, failedFirst: 1 } })]);
    // step.started and the first tool.call.started were one append: same commit time.
    const [stepStarted, firstStart] = events.filter((event) => event.type === 'step.started' || event.type === 'tool.call.started');
    expect(stepStarted?.at).toBe(firstStart?.at);
    await expectGaplessAndVerified(runId, events);
    expect(await activityKinds(runId)).toEqual({ ordinary: [], local: expect.arrayContaining(['executeTool', 'recordEvent']) });
    await saveHistoryFixture('fast-path-local-retry', runId);
  });

  it('fails the run with the tool error when a local tool runs out of attempts', async () => {
    const runId = await startRun(stack, {
      plan: { steps: [{ id: 'shaky', tool: 'builtin.flaky', args: { failures: 5 }, retry: { maxAttempts: 2, initialInterval: '50ms' } }] },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, ['tool.call.failed', 'run.failed'], { tail: true });
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({ errorClass: 'FlakyFailure', step: 'shaky' });
    expect(typesOf(events).filter((type) => type === 'step.started')).toHaveLength(1);
    await expectGaplessAndVerified(runId, events);
  });

  it("writes a plan run's start with its first step's facts: one append, no local activity of its own", async () => {
    const runId = await startRun(stack, {
      plan: {
        steps: [
          { id: 'a', tool: 'builtin.echo', args: { n: 1 } },
          { id: 'b', tool: 'builtin.echo', args: { n: 2 } },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'run.completed',
    ]);
    // run.started and step a's facts share one commit time; step b's are a later append.
    const at = (seq: number) => events.find((event) => event.seq === seq)?.at;
    expect(new Set([2, 3, 4, 5].map(at)).size).toBe(1);
    expect(at(6)).not.toBe(at(2));
    // Two steps and run.completed: the start needed no recordEvent of its own.
    expect(await activityKinds(runId)).toEqual({ ordinary: [], local: ['executeTool', 'executeTool', 'recordEvent'] });
    await expectGaplessAndVerified(runId, events);
    await saveHistoryFixture('folded-run-start', runId);
  });

  it('keeps external tools on ordinary activities beside local ones', async () => {
    const runId = await startRun(stack, {
      plan: {
        steps: [
          { id: 'fetch', tool: 'builtin.http_request', args: { url: `${peerUrl}/health` } },
          { id: 'status', tool: 'builtin.json_transform', args: { value: '${steps.fetch.output}', path: 'status' } },
        ],
      },
    });
    const events = await waitForEnd(stack, runId);
    expectEventTypes(events, [
      'run.created',
      'run.started',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'step.started',
      'tool.call.started',
      'tool.call.succeeded',
      'run.completed',
    ]);
    expect(dataOf(events, 'run.completed')[0].output).toMatchObject({ status: 200 });
    const kinds = await activityKinds(runId);
    expect(kinds.ordinary).toEqual(['executeTool']);
    expect(kinds.local.filter((type) => type === 'executeTool')).toHaveLength(1);
    await expectGaplessAndVerified(runId, events);
    await saveHistoryFixture('fast-path-mixed', runId);
  });
});
