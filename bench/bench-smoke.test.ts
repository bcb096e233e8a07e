/**
 * The benchmark's building blocks at toy sizes against the test stack, so `npm run bench` cannot rot
 * unnoticed. Counts and shapes only: performance is measured by the benchmark, never asserted here.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { PacedChatCompletionsServer } from '../test/paced-chat-completions-server';
import { startTestStack, type TestStack } from '../test/stack';
import { cpuTimes } from './cpu-accounting';
import { measureDefinitions } from './definitions-phase';
import { measureAppendRate } from './event-append';
import { echoPlanSpec, expectedEventCount, flightdeckSystem, postRun } from './flightdeck-runs';
import { atFixedRate } from './open-loop';
import { waitForRunsToEnd } from './rest-phase';
import { runMatrix } from './run-matrix';
import { cursorAfter, explainRunsList, measureGetLatency, seedRuns } from './runs-list';
import { percentile, summarizeLatencies } from './stats';
import { measureStreaming } from './stream-phase';
import { buildBaselineBundle, startBaselineWorker, temporalBaselineSystem, type BaselineWorker } from './temporal-baseline';
import { measureWsDelivery } from './ws-latency';

describe('benchmark building blocks', () => {
  let stack: TestStack;
  let nativeConnection: NativeConnection;
  let clientConnection: Connection;
  let baselineWorker: BaselineWorker;
  let modelDouble: PacedChatCompletionsServer;
  const baselineTaskQueue = `bench-baseline-smoke-${process.pid}`;

  beforeAll(async () => {
    modelDouble = await new PacedChatCompletionsServer().start();
    stack = await startTestStack({ env: { MODEL_BASE_URL: modelDouble.baseUrl } });
    const address = process.env.TEMPORAL_ADDRESS ?? '';
    nativeConnection = await NativeConnection.connect({ address });
    clientConnection = await Connection.connect({ address });
    baselineWorker = await startBaselineWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: baselineTaskQueue,
      bundle: await buildBaselineBundle(),
    });
  });
  afterAll(async () => {
    await baselineWorker?.stop();
    await clientConnection?.close();
    await nativeConnection?.close();
    await stack?.close();
    await modelDouble?.stop();
  });
  const endpoint = () => ({ apiUrl: stack.apiUrl, wsUrl: stack.wsUrl, apiKey: stack.adminKey });

  it('summarises latencies by nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(summarizeLatencies([3, 1, 2])).toMatchObject({ count: 3, p50Ms: 2, maxMs: 3, meanMs: 2 });
  });

  it('runs both systems in alternating rounds and reports each cell', async () => {
    const systems = {
      temporal: temporalBaselineSystem({ connection: clientConnection, namespace: 'default', taskQueue: baselineTaskQueue }),
      flightdeck: flightdeckSystem(endpoint()),
    };
    // A 1 ms window: each virtual user starts exactly one run per round.
    const cells = await runMatrix(systems, {
      steps: [1],
      concurrency: [1],
      windowMs: 1,
      rounds: 2,
      log: () => undefined,
      cpuTimes: () => cpuTimes({ bench: process.pid }),
    });
    expect(cells).toHaveLength(1);
    const [cell] = cells;
    for (const figures of [cell?.temporal, cell?.flightdeck]) {
      expect(figures).toMatchObject({ runs: 2, failed: 0, errors: [] });
      expect(figures?.latency.count).toBe(2);
      expect(figures?.cpuMsPerRun.bench).toEqual(expect.any(Number));
    }
    expect(cell?.throughputRatio).toEqual(expect.any(Number));
    expect(expectedEventCount(1)).toBe(6);
  });

  it('runs a definition against the plan it mirrors, and parallel calls in one run', async () => {
    const figures = await measureDefinitions({
      endpoint: endpoint(),
      steps: 2,
      concurrency: [1],
      windowMs: 1,
      rounds: 1,
      fanOutRuns: 1,
      cpuTimes: () => cpuTimes({ bench: process.pid }),
      log: () => undefined,
    });
    expect(figures.cells).toHaveLength(1);
    expect(figures.cells[0]?.plan).toMatchObject({ runs: 1, failed: 0 });
    expect(figures.cells[0]?.definition).toMatchObject({ runs: 1, failed: 0 });
    expect(figures.fanOut.map(({ calls, wall }) => [calls, wall.count])).toEqual([
      [10, 1],
      [100, 1],
    ]);
    expect(figures.fanOutRatio).toEqual(expect.any(Number));
    expect(figures.fanOut[0]?.cpuMsPerRun.bench).toEqual(expect.any(Number));
  });

  it('appends events through appendEvents with several writers and batches', async () => {
    const figures = await measureAppendRate(stack.db, { tenantId: stack.tenantId, writers: 2, eventsPerCall: 3, durationMs: 50 });
    expect(figures.events).toBeGreaterThanOrEqual(6);
    expect(figures.events % 3).toBe(0);
    expect(figures.callLatency.count).toBe(figures.events / 3);
  });

  it('measures commit → ws delivery to every subscriber', async () => {
    const figures = await measureWsDelivery({
      db: stack.db,
      tenantId: stack.tenantId,
      wsUrl: stack.wsUrl,
      apiKey: stack.adminKey,
      subscribers: 2,
      events: 2,
      gapMs: 0,
    });
    expect(figures).toMatchObject({ subscribers: 2, events: 2, missed: 0 });
    expect(figures.latency.count).toBe(4);
  });

  it('times each streamed chunk to its delta frame, in many chunks and in one', async () => {
    const figures = await measureStreaming({
      endpoint: endpoint(),
      model: modelDouble,
      concurrency: 2,
      windowMs: 1,
      rounds: 1,
      chunks: 5,
      chunkGapMs: 5,
      cpuTimes: () => cpuTimes({ bench: process.pid }),
      log: () => undefined,
    });
    expect(figures).toMatchObject({ concurrency: 2, chunks: 5, chunkGapMs: 5 });
    for (const variant of [figures.chunked, figures.whole]) {
      expect(variant).toMatchObject({ runs: 2, failed: 0, errors: [] });
      // Every chunk of every run was seen once, none lost, no retried call.
      expect(variant.delta).toMatchObject({ missedChunks: 0, resets: 0 });
      expect(variant.delta.latency.count).toBe(10);
      expect(variant.cpuMsPerRun.bench).toEqual(expect.any(Number));
    }
    // The whole answer is one write, so one frame; the warm-up and the counted runs each called the model.
    expect(figures.whole.delta.framesPerRun).toBe(1);
    expect(modelDouble.calls.get('bench-stream-chunked')).toBe(4);
    expect(modelDouble.calls.get('bench-stream-whole')).toBe(4);
  });

  it('posts runs at a fixed rate and waits for them to finish', async () => {
    const figures = await atFixedRate(
      { ratePerSecond: 20, durationMs: 100 },
      () => postRun(endpoint(), echoPlanSpec(1)),
      (runIds) => waitForRunsToEnd(stack.db, runIds, 30_000),
    );
    expect(figures).toMatchObject({ requests: 2, failed: 0, errors: [] });
    expect(figures.latency.count).toBe(2);
  });

  it('seeds runs and lists them by first page and cursor page', async () => {
    await seedRuns(stack.db, stack.tenantId, 120);
    const cursor = await cursorAfter(stack.db, stack.tenantId, 60);
    const firstPage = await measureGetLatency(endpoint(), '/v1/runs?limit=50', { requests: 2, warmUp: 1 });
    const laterPage = await measureGetLatency(endpoint(), `/v1/runs?limit=50&cursor=${cursor.encoded}`, { requests: 2, warmUp: 0 });
    expect([firstPage.count, laterPage.count]).toEqual([2, 2]);
    const listed = await stack.request('GET', `/v1/runs?limit=50&cursor=${cursor.encoded}`);
    expect(listed.body.runs).toHaveLength(50);
    expect((await explainRunsList(stack.db, stack.tenantId, cursor)).join('\n')).toContain('Execution Time');
  });
});
