/**
 * `npm run bench:timeline`: where a C=1 run's time goes, from its own event log. PROBE_RUNS
 * sequential PROBE_STEPS-step echo plans on the combined process (POST → `run.completed` on ws, as
 * the bench measures them), then, for each position in the log, the median time from sending the
 * POST to the event's `at` (stamped by its writer just before the append) and to its arrival on
 * ws; and the slowest runs' own timelines, so an outlier's gap shows between the two events around it.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { parseEnv } from '../lib/config';
import { createDb } from '../lib/db';
import { readEvents } from '../lib/event-log';
import { buildWorkflowBundle } from '../worker/create-worker';
import { echoPlanSpec, postRun } from './flightdeck-runs';
import { startApiProcess } from './flightdeck-processes';
import { startBenchInfra } from './infra';
import { loadAverage } from './machine';
import { percentile, summarizeLatencies } from './stats';
import { StreamSubscriber } from './stream-subscriber';

const probeEnvSchema = z.object({
  PROBE_RUNS: z.coerce.number().int().min(5).default(50),
  PROBE_STEPS: z.coerce.number().int().min(1).default(5),
  /** Runs before the measured ones (module loading, connection pools, the first bundles). */
  PROBE_WARMUP: z.coerce.number().int().min(0).default(5),
  /** How many of the slowest runs are shown event by event. */
  PROBE_SHOW_SLOWEST: z.coerce.number().int().min(0).default(2),
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const tenantId = 'timeline';

interface RunTimeline {
  runId: string;
  postMs: number;
  /** Per event in seq order: type, ms from the POST to its `at`, and to its arrival on ws. */
  events: Array<{ type: string; atMs: number; wsMs: number }>;
}

/** One run: POST, subscribe from seq 0, resolve at run.completed with every event's arrival time. */
async function timedRun(endpoint: { apiUrl: string; wsUrl: string; apiKey: string }, subscriber: StreamSubscriber, steps: number) {
  const postedAtEpoch = Date.now();
  const postedAt = performance.now();
  const arrivals: Array<{ seq: number; ms: number }> = [];
  const completed = new Promise<void>((resolve, reject) => {
    subscriber.listen((frame, receivedAt) => {
      if (frame.type === 'error') reject(new Error(`stream error ${JSON.stringify(frame.error)}`));
      if (frame.type !== 'event') return;
      arrivals.push({ seq: frame.seq, ms: receivedAt - postedAt });
      if (frame.event.type === 'run.completed') resolve();
      else if (frame.event.type.startsWith('run.') && frame.event.type !== 'run.created' && frame.event.type !== 'run.started')
        reject(new Error(`run ended ${frame.event.type}`));
    });
  });
  const runId = await postRun(endpoint, echoPlanSpec(steps));
  const postMs = performance.now() - postedAt;
  subscriber.subscribe(runId, 0);
  await completed;
  subscriber.listen(null);
  subscriber.unsubscribe(runId);
  return { runId, postedAtEpoch, postMs, arrivals };
}

async function main(): Promise<void> {
  const options = parseEnv(probeEnvSchema);
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    shutdownSignals: [],
  });
  const infra = await startBenchInfra({ env: process.env, log: say, temporalFlags: 'tuned' });
  const stops: Array<() => Promise<unknown>> = [() => infra.stop()];
  try {
    const workflowBundlePath = path.join(infra.stateDir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, (await buildWorkflowBundle()).code);
    const adminKey = `probe_${randomBytes(18).toString('base64url')}`;
    const processEnv = {
      databaseUrl: infra.databaseUrl,
      temporalAddress: infra.temporalAddress,
      namespace: infra.namespace,
      taskQueue: 'flightdeck-timeline',
      workflowBundlePath,
      adminKey,
    };
    const api = await startApiProcess(processEnv, tenantId, (line) => process.stderr.write(`${line}\n`), 'combined');
    stops.push(() => api.stop());
    const subscriber = await StreamSubscriber.connect(api.wsUrl, adminKey);
    stops.push(() => subscriber.close());
    const db = createDb(infra.databaseUrl);
    stops.push(() => db.destroy());
    const endpoint = { apiUrl: api.apiUrl, wsUrl: api.wsUrl, apiKey: adminKey };

    for (let index = 0; index < options.PROBE_WARMUP; index += 1) await timedRun(endpoint, subscriber, options.PROBE_STEPS);
    const timelines: RunTimeline[] = [];
    for (let index = 0; index < options.PROBE_RUNS; index += 1) {
      const run = await timedRun(endpoint, subscriber, options.PROBE_STEPS);
      const stored = await readEvents(db, { tenantId, runId: run.runId }, { afterSeq: 0, limit: 1000 });
      const wsMsOf = new Map(run.arrivals.map((arrival) => [arrival.seq, arrival.ms]));
      timelines.push({
        runId: run.runId,
        postMs: run.postMs,
        events: stored.map((event) => ({ type: event.type, atMs: Date.parse(event.at) - run.postedAtEpoch, wsMs: wsMsOf.get(event.seq) ?? Number.NaN })),
      });
    }

    const completedMs = timelines.map((timeline) => timeline.events.at(-1)?.wsMs ?? Number.NaN);
    const total = summarizeLatencies(completedMs);
    say(
      `timeline: ${timelines.length} runs of ${options.PROBE_STEPS} steps at C=1 (load ${loadAverage()}): POST answered p50 ${summarizeLatencies(timelines.map((timeline) => timeline.postMs)).p50Ms} ms; run.completed on ws p50 ${total.p50Ms} ms, p99 ${total.p99Ms} ms, max ${total.maxMs} ms`,
    );
    say('timeline: median ms from the POST, per event (at: its writer stamped it, before the append commits; ws: a client got it)');
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        0.5,
      );
    timelines[0]?.events.forEach((event, index) => {
      const at = median(timelines.map((timeline) => timeline.events[index]?.atMs ?? Number.NaN));
      const ws = median(timelines.map((timeline) => timeline.events[index]?.wsMs ?? Number.NaN));
      say(`  ${String(index + 1).padStart(3)} ${event.type.padEnd(22)} at ${at.toFixed(0).padStart(6)}  ws ${ws.toFixed(1).padStart(8)}`);
    });
    const slowest = [...timelines].sort((a, b) => (b.events.at(-1)?.wsMs ?? 0) - (a.events.at(-1)?.wsMs ?? 0)).slice(0, options.PROBE_SHOW_SLOWEST);
    for (const timeline of slowest) {
      say(
        `timeline: slow run ${timeline.runId} (${(timeline.events.at(-1)?.wsMs ?? Number.NaN).toFixed(1)} ms; POST answered after ${timeline.postMs.toFixed(1)} ms)`,
      );
      for (const [index, event] of timeline.events.entries())
        say(`  ${String(index + 1).padStart(3)} ${event.type.padEnd(22)} at ${event.atMs.toFixed(0).padStart(6)}  ws ${event.wsMs.toFixed(1).padStart(8)}`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => say(`timeline: stop failed: ${String(error)}`));
  }
}

main().catch((error: unknown) => {
  console.error('timeline probe failed:', error);
  process.exit(1);
});
