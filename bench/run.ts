/**
 * `npm run bench`: Flightdeck against bare Temporal in one run, then the event log, the ws stream,
 * the REST API and memory. Prints a table and writes bench/results/latest.json. Knobs: options.ts.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb } from '../lib/db';
import { definitionDirectories, findDefinitionFiles } from '../lib/definitions';
import { attachEventLog, createEventLogState } from '../lib/event-log';
import { buildWorkflowBundle } from '../worker/create-worker';
import { cpuTimes, findTemporalDevServerPid, readPostmasterPid } from './cpu-accounting';
import { startDbosPeer } from './dbos-peer';
import { measureAppendRate } from './event-append';
import { flightdeckSystem } from './flightdeck-runs';
import { benchDefinitionsDir, startApiProcess, startWorkerProcess, type ApiChild, type FlightdeckChild } from './flightdeck-processes';
import { measureDefinitions, type DefinitionFigures } from './definitions-phase';
import { startBenchInfra } from './infra';
import { describeMachine, loadAverage } from './machine';
import { parseBenchOptions } from './options';
import { checkTargets, formatReport, writeResults, type BenchResults } from './report';
import { runMatrix, warmUp } from './run-matrix';
import { measureRestLatencies, type RestFigures } from './rest-phase';
import { msSince, roundTo } from './stats';
import { buildBaselineBundle, startBaselineWorker, temporalBaselineSystem } from './temporal-baseline';
import { measureWsDelivery } from './ws-latency';
import { PacedChatCompletionsServer } from '../test/paced-chat-completions-server';
import { measureStreaming, type StreamFigures } from './stream-phase';

const repoRoot = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(`${line}\n`);
/** Children's routine info lines stay quiet; their warnings and errors show. */
const childLog = (line: string) => {
  if (!/^\[\w+\] (info|debug|trace) /.test(line)) process.stderr.write(`${line}\n`);
};
const benchTenant = 'bench';
const seededTenant = 'bench-seeded';
const baselineTaskQueue = 'bench-baseline';

async function main(): Promise<void> {
  const options = parseBenchOptions();
  const startedAt = performance.now();
  // No shutdownSignals: on Ctrl-C the bench stops what it started itself (below), workers included.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    shutdownSignals: [],
  });
  say('bench: starting Temporal and Postgres…');
  const infra = await startBenchInfra({ env: process.env, log: say, temporalFlags: options.BENCH_TEMPORAL_FLAGS });
  // In-process resources (connections, workers) close on a normal end; on Ctrl-C the process exits
  // over them, and only what outlives it is stopped: the children, Temporal, Postgres, the temp folder.
  const cleanups: Array<{ close: () => Promise<unknown>; outlivesUs?: boolean }> = [{ close: () => infra.stop(), outlivesUs: true }];
  const closeAll = async (which: (cleanup: (typeof cleanups)[number]) => boolean) => {
    for (const cleanup of cleanups.splice(0).reverse().filter(which)) {
      await cleanup.close().catch((error: unknown) => say(`bench: cleanup failed: ${String(error)}`));
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`bench: ${signal}, stopping…`);
      void closeAll((cleanup) => cleanup.outlivesUs === true).finally(() => process.exit(130));
    });
  }
  try {
    const db = createDb(infra.databaseUrl, { poolMax: 12 });
    attachEventLog(db, createEventLogState({ validateEvents: false }));
    cleanups.push({ close: () => db.destroy() });
    const machine = await describeMachine(db, infra.temporalCliPath);

    say('bench: bundling workflows, starting the API and worker processes…');
    const definitionFiles = await findDefinitionFiles(definitionDirectories(benchDefinitionsDir));
    const [flightdeckBundle, baselineBundle] = await Promise.all([buildWorkflowBundle({ definitionFiles }), buildBaselineBundle()]);
    const workflowBundlePath = path.join(infra.stateDir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, flightdeckBundle.code);
    const parts = new Set(options.BENCH_PARTS);
    // The stream part's model provider: a double in this process, so its send times share the clients' clock.
    const modelDouble = parts.has('stream') ? await new PacedChatCompletionsServer().start() : undefined;
    if (modelDouble) cleanups.push({ close: () => modelDouble.stop() });
    const processEnv = {
      databaseUrl: infra.databaseUrl,
      temporalAddress: infra.temporalAddress,
      namespace: infra.namespace,
      taskQueue: 'flightdeck-bench',
      workflowBundlePath,
      adminKey: `bench_${randomBytes(18).toString('base64url')}`,
      ...(modelDouble ? { modelBaseUrl: modelDouble.baseUrl } : {}),
    };
    const combined = options.BENCH_FLIGHTDECK_MODE === 'combined';
    const worker: FlightdeckChild | null = combined ? null : await startWorkerProcess(processEnv, childLog);
    if (worker) cleanups.push({ close: () => worker.stop(), outlivesUs: true });
    const api: ApiChild = await startApiProcess(processEnv, benchTenant, childLog, combined ? 'combined' : 'api');
    cleanups.push({ close: () => api.stop(), outlivesUs: true });
    // Combined, one process is both: its CPU and memory are reported as the worker's.
    const workerProcess: FlightdeckChild = worker ?? api;
    const endpoint = { apiUrl: api.apiUrl, wsUrl: api.wsUrl, apiKey: processEnv.adminKey };

    const nativeConnection = await NativeConnection.connect({ address: infra.temporalAddress });
    cleanups.push({ close: () => nativeConnection.close() });
    const baselineWorker = await startBaselineWorker({
      connection: nativeConnection,
      namespace: infra.namespace,
      taskQueue: baselineTaskQueue,
      bundle: baselineBundle,
    });
    cleanups.push({ close: () => baselineWorker.stop() });
    const clientConnection = await Connection.connect({ address: infra.temporalAddress });
    cleanups.push({ close: () => clientConnection.close() });
    const pids = {
      temporal: infra.temporalDbFile ? await findTemporalDevServerPid(infra.temporalDbFile) : undefined,
      postmaster: infra.postgresDataDir ? await readPostmasterPid(infra.postgresDataDir) : undefined,
      api: combined ? undefined : api.child.process.pid,
      worker: workerProcess.child.process.pid,
      bench: process.pid,
    };

    const memorySamples: BenchResults['memory']['samples'] = [];
    const sampleMemory = async (after: string) => {
      memorySamples.push({ after, api: await api.memory(), worker: await workerProcess.memory() });
    };

    let runs: BenchResults['runs'] = [];
    if (parts.has('runs')) {
      const dbos = options.BENCH_DBOS ? await startDbosPeer({ systemDatabaseUrl: infra.peerDatabaseUrl }) : undefined;
      if (dbos) cleanups.push({ close: () => dbos.stop() });
      const systems = {
        temporal: temporalBaselineSystem({ connection: clientConnection, namespace: infra.namespace, taskQueue: baselineTaskQueue }),
        flightdeck: flightdeckSystem(endpoint),
        ...(dbos ? { dbos: dbos.system } : {}),
      };
      say('bench: warming up…');
      await warmUp(systems, 2_000);
      say(
        `bench: runs, N=${options.BENCH_STEPS.join('/')} × C=${options.BENCH_CONCURRENCY.join('/')}, ${options.BENCH_ROUNDS} rounds of ${options.BENCH_ROUND_MS} ms per system per cell`,
      );
      runs = await runMatrix(systems, {
        steps: options.BENCH_STEPS,
        concurrency: options.BENCH_CONCURRENCY,
        windowMs: options.BENCH_ROUND_MS,
        rounds: options.BENCH_ROUNDS,
        log: (line) => say(`bench:   ${line}`),
        cpuTimes: () => cpuTimes(pids),
      });
      await sampleMemory('runs');
    }

    let definitions: DefinitionFigures | undefined;
    if (parts.has('definitions')) {
      say(`bench: definitions, a 5-call definition against the 5-step plan at C=1/10, then 10 and 100 parallel calls in one run…`);
      definitions = await measureDefinitions({
        endpoint,
        steps: 5,
        concurrency: [1, 10],
        windowMs: options.BENCH_ROUND_MS,
        rounds: options.BENCH_ROUNDS,
        fanOutRuns: options.BENCH_FAN_OUT_RUNS,
        cpuTimes: () => cpuTimes(pids),
        log: (line) => say(`bench:   ${line}`),
      });
      await sampleMemory('definitions');
    }

    const eventAppend = [];
    if (parts.has('append')) say('bench: event append rate…');
    for (const shape of parts.has('append')
      ? [
          { writers: 1, eventsPerCall: 1 },
          { writers: 10, eventsPerCall: 1 },
          { writers: 1, eventsPerCall: 50 },
          { writers: 10, eventsPerCall: 50 },
        ]
      : []) {
      eventAppend.push(await measureAppendRate(db, { tenantId: benchTenant, ...shape, durationMs: options.BENCH_APPEND_MS }));
    }
    if (parts.has('append')) await sampleMemory('eventAppend');

    const wsDelivery = [];
    if (parts.has('ws')) say('bench: ws delivery…');
    for (const subscribers of parts.has('ws') ? options.BENCH_WS_SUBSCRIBERS : []) {
      const events = subscribers >= 1000 ? 50 : subscribers >= 100 ? 100 : 200;
      wsDelivery.push(await measureWsDelivery({ db, tenantId: benchTenant, wsUrl: api.wsUrl, apiKey: endpoint.apiKey, subscribers, events, gapMs: 20 }));
    }
    if (parts.has('ws')) await sampleMemory('wsDelivery');

    let rest: Partial<RestFigures> = {};
    if (parts.has('rest')) {
      say(`bench: POST /v1/runs at ${options.BENCH_POST_RATES.join(', ')}/s, then runs list over ${options.BENCH_SEED_RUNS} seeded runs…`);
      rest = await measureRestLatencies({
        db,
        endpoint,
        baseline: { client: new Client({ connection: clientConnection, namespace: infra.namespace }), taskQueue: baselineTaskQueue },
        options,
        seededTenant,
        startListApi: () => startApiProcess(processEnv, seededTenant, childLog),
      });
      await sampleMemory('rest');
    }

    let stream: StreamFigures | undefined;
    if (modelDouble) {
      const concurrency = options.BENCH_QUICK ? 20 : options.BENCH_STREAM_CONCURRENCY;
      say(`bench: streamed answers, ${concurrency} concurrent agent runs, an answer in many chunks vs in one…`);
      stream = await measureStreaming({
        endpoint,
        model: modelDouble,
        concurrency,
        windowMs: options.BENCH_ROUND_MS,
        rounds: options.BENCH_ROUNDS,
        cpuTimes: () => cpuTimes(pids),
        log: (line) => say(`bench:   ${line}`),
      });
      await sampleMemory('stream');
    }

    const finalMemory = { api: await api.memory(), worker: await workerProcess.memory() };
    const partial: Omit<BenchResults, 'targets'> = {
      date: new Date().toISOString(),
      durationSeconds: roundTo(msSince(startedAt) / 1000, 1),
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      setup: {
        postgres: infra.provided.postgres,
        temporal: infra.provided.temporal,
        processes: combined
          ? "API and worker in one child process (node --import tsx worker/combined-main.ts, eager run starts; its CPU and RSS reported as the worker's); bench clients and the baseline worker in the bench process"
          : 'API and worker each a child process (node --import tsx api/main.ts, worker/main.ts); bench clients and the baseline worker in the bench process',
        runsMethod:
          'closed loop: C virtual users each start a run and wait for it to complete, for a window per round; rounds alternate a, b, a, b; runs/s = completed runs ÷ summed round wall time (window + drain)',
        flightdeckRun:
          'POST /v1/runs of an N-step builtin.echo plan, then a ws subscription (afterSeq 0) until run.completed with all 3N+3 events; one ws connection per virtual user',
        temporalRun: 'client.workflow.execute of a workflow with N no-op activities, no interceptors, own task queue and worker',
        ...(stream
          ? {
              streamRun:
                'POST /v1/runs of a one-turn agent run (tools: []) whose model double (test/paced-chat-completions-server.ts, in the bench process) streams its answer, then a ws subscription (afterSeq 0) until run.completed; each chunk carries its send time, timed to the delta frame that brings it; the answer in one chunk, sent when the last would be, stands for not streaming (the worker always streams)',
            }
          : {}),
        dbosRun:
          'DBOS Transact 5.3.0 in the bench process: a registered workflow of N no-op DBOS.runStep calls, awaited; its system database on the same Postgres server',
        options,
      },
      runs,
      ...(definitions ? { definitions } : {}),
      eventAppend,
      wsDelivery,
      ...rest,
      ...(stream ? { stream } : {}),
      memory: { combined, ...finalMemory, samples: memorySamples },
    };
    const results: BenchResults = { ...partial, targets: checkTargets(partial) };
    const output = path.resolve(repoRoot, options.BENCH_OUTPUT);
    await writeResults(output, results);
    say('');
    say(formatReport(results));
    say(`\nbench: wrote ${path.relative(repoRoot, output)}`);
  } finally {
    await closeAll(() => true);
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
