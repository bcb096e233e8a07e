/**
 * `npm run bench:outliers`: where a slow run's time goes at C=1 (issue 12, the ~2 s outlier).
 * Runs PROBE_RUNS sequential N-step runs of bare Temporal and of Flightdeck (the combined process,
 * POST → workflow result), then prints, for the slowest runs, the largest gap between consecutive
 * history events: which step of Temporal's dispatch the time went to. PROBE_PARTITIONS=1 starts the
 * dev server with one task-queue partition (`matching.numTaskqueue{Read,Write}Partitions=1`);
 * PROBE_TEMPORAL_FLAGS=defaults runs it without Flightdeck's dev-server flags.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { parseKeyList } from '../lib/key-list';
import { dataConverterOption, payloadCodecFor } from '../lib/payload-codec';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { parseEnv } from '../lib/config';
import { buildWorkflowBundle } from '../worker/create-worker';
import { echoPlanSpec, postRun } from './flightdeck-runs';
import { startApiProcess, startWorkerProcess } from './flightdeck-processes';
import { startBenchInfra } from './infra';
import { loadAverage } from './machine';
import { summarizeLatencies } from './stats';
import { buildBaselineBundle, startBaselineRun, startBaselineWorker } from './temporal-baseline';

const probeEnvSchema = z.object({
  PROBE_RUNS: z.coerce.number().int().min(10).default(100),
  PROBE_STEPS: z.coerce.number().int().min(1).default(5),
  /** `default`: start-dev's 4 read/write partitions per task queue; `1`: one. */
  PROBE_PARTITIONS: z.enum(['default', '1']).default('default'),
  /** Runs slower than p50 by this much are shown with their largest history gap. */
  PROBE_SLOW_MS: z.coerce.number().int().min(1).default(500),
  /** Flightdeck as one process (eager starts) or as API and worker processes. */
  PROBE_FLIGHTDECK_MODE: z.enum(['combined', 'separate']).default('combined'),
  /** The dev server's flags: Flightdeck's tuned ones, or start-dev's defaults. */
  PROBE_TEMPORAL_FLAGS: z.enum(['tuned', 'defaults']).default('tuned'),
});

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Sample {
  workflowId: string;
  ms: number;
}

const eventTypeName = (type: temporal.api.enums.v1.EventType | null | undefined): string =>
  (type === null || type === undefined ? 'unknown' : temporal.api.enums.v1.EventType[type]).replace(/^EVENT_TYPE_/, '');

/** The largest gap between consecutive history events, and the two events around it. */
async function largestGap(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  let worst = { ms: -1, between: '' };
  for (let index = 1; index < events.length; index += 1) {
    const time = (event: (typeof events)[number]) => Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
    const ms = time(events[index]!) - time(events[index - 1]!);
    if (ms > worst.ms) worst = { ms, between: `${eventTypeName(events[index - 1]!.eventType)} → ${eventTypeName(events[index]!.eventType)}` };
  }
  return `${worst.ms} ms ${worst.between}`;
}

async function sequentialRuns(label: string, runs: number, runOnce: () => Promise<string>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let index = 0; index < runs; index += 1) {
    const startedAt = performance.now();
    const workflowId = await runOnce();
    samples.push({ workflowId, ms: performance.now() - startedAt });
  }
  const summary = summarizeLatencies(samples.map((sample) => sample.ms));
  const over = (ms: number) => samples.filter((sample) => sample.ms > ms).length;
  say(
    `probe: ${label}: ${runs} runs, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms, over 1 s: ${over(1000)}, over 1.5 s: ${over(1500)} (load ${loadAverage()})`,
  );
  return samples;
}

/** From the run's start to its first workflow task starting on a worker: what eager start removes. */
async function firstTaskWaitMs(client: Client, workflowId: string): Promise<number> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const started = events.find((event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const time = (event: (typeof events)[number] | undefined) => Number(event?.eventTime?.seconds ?? 0) * 1000 + (event?.eventTime?.nanos ?? 0) / 1e6;
  return time(started) - time(events[0]);
}

async function report(label: string, client: Client, samples: Sample[], slowMs: number): Promise<void> {
  const waits = summarizeLatencies(await Promise.all(samples.map((sample) => firstTaskWaitMs(client, sample.workflowId))));
  say(`probe: ${label}: start → first workflow task started, p50 ${waits.p50Ms} ms, p99 ${waits.p99Ms} ms, max ${waits.maxMs} ms`);
  const p50 = summarizeLatencies(samples.map((sample) => sample.ms)).p50Ms;
  const slow = samples.filter((sample) => sample.ms > p50 + slowMs);
  say(`probe: ${label}: ${slow.length} of ${samples.length} runs over p50 + ${slowMs} ms`);
  for (const sample of slow)
    say(`probe:   ${sample.workflowId} ${Math.round(sample.ms)} ms; largest history gap ${await largestGap(client, sample.workflowId)}`);
}

async function main(): Promise<void> {
  const options = parseEnv(probeEnvSchema);
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    shutdownSignals: [],
  });
  const partitionArgs =
    options.PROBE_PARTITIONS === '1'
      ? ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'].flatMap((value) => ['--dynamic-config-value', value])
      : [];
  const infra = await startBenchInfra({ env: process.env, log: say, temporalFlags: options.PROBE_TEMPORAL_FLAGS, extraTemporalArgs: partitionArgs });
  const stops: Array<() => Promise<unknown>> = [() => infra.stop()];
  try {
    const [flightdeckBundle, baselineBundle] = await Promise.all([buildWorkflowBundle(), buildBaselineBundle()]);
    const workflowBundlePath = path.join(infra.stateDir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, flightdeckBundle.code);
    const adminKey = `probe_${randomBytes(18).toString('base64url')}`;
    const processEnv = {
      databaseUrl: infra.databaseUrl,
      temporalAddress: infra.temporalAddress,
      namespace: infra.namespace,
      taskQueue: 'flightdeck-probe',
      workflowBundlePath,
      adminKey,
    };
    const childLog = (line: string) => process.stderr.write(`${line}\n`);
    if (options.PROBE_FLIGHTDECK_MODE === 'separate') {
      const worker = await startWorkerProcess(processEnv, childLog);
      stops.push(() => worker.stop());
    }
    const api = await startApiProcess(processEnv, 'probe', childLog, options.PROBE_FLIGHTDECK_MODE === 'combined' ? 'combined' : 'api');
    stops.push(() => api.stop());
    const nativeConnection = await NativeConnection.connect({ address: infra.temporalAddress });
    stops.push(() => nativeConnection.close());
    const baselineWorker = await startBaselineWorker({
      connection: nativeConnection,
      namespace: infra.namespace,
      taskQueue: 'probe-baseline',
      bundle: baselineBundle,
    });
    stops.push(() => baselineWorker.stop());
    const connection = await Connection.connect({ address: infra.temporalAddress });
    stops.push(() => connection.close());
    // The Flightdeck processes inherit FLIGHTDECK_PAYLOAD_KEYS from this environment: read their runs' results with the same codec.
    const client = new Client({
      connection,
      namespace: infra.namespace,
      ...dataConverterOption(payloadCodecFor(parseKeyList(process.env.FLIGHTDECK_PAYLOAD_KEYS ?? ''))),
    });

    say(
      `probe: dev server flags ${options.PROBE_TEMPORAL_FLAGS}, partitions ${options.PROBE_PARTITIONS}, Flightdeck ${options.PROBE_FLIGHTDECK_MODE}, N=${options.PROBE_STEPS}, C=1`,
    );
    const bare = await sequentialRuns('bare Temporal', options.PROBE_RUNS, async () => {
      const workflowId = await startBaselineRun(client, 'probe-baseline', options.PROBE_STEPS);
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    });
    const endpoint = { apiUrl: api.apiUrl, wsUrl: api.wsUrl, apiKey: adminKey };
    const flightdeck = await sequentialRuns('Flightdeck', options.PROBE_RUNS, async () => {
      const runId = await postRun(endpoint, echoPlanSpec(options.PROBE_STEPS));
      await client.workflow.getHandle(runId).result();
      return runId;
    });
    await report('bare Temporal', client, bare, options.PROBE_SLOW_MS);
    await report('Flightdeck', client, flightdeck, options.PROBE_SLOW_MS);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => say(`probe: stop failed: ${String(error)}`));
  }
}

main().catch((error: unknown) => {
  console.error('probe failed:', error);
  process.exit(1);
});
