/**
 * Runs written in TypeScript against plans (issue 21): an N-call definition against the N-step plan
 * it mirrors, in alternating rounds at each concurrency, and the wall time of one run with 10 and
 * with 100 parallel calls. The definitions are bench/definitions/, loaded by the bench's API and
 * worker like any definitions folder.
 */
import { cpuDelta, type CpuTimes, type ProcessGroup } from './cpu-accounting';
import { echoDefinitionShape, flightdeckSystem, postRun, type FlightdeckEndpoint, watchRunToCompletion, expectedEventCount } from './flightdeck-runs';
import { alternatingRounds, ratio, type SystemFigures } from './run-matrix';
import { msSince, roundTo, summarizeLatencies, type LatencySummary } from './stats';
import { StreamSubscriber } from './stream-subscriber';

export interface DefinitionCell {
  steps: number;
  concurrency: number;
  plan: SystemFigures;
  definition: SystemFigures;
  /** Definition runs/s ÷ plan runs/s (goal ≥ 0.95: within 5 %). */
  throughputRatio: number;
}

export interface FanOutFigures {
  calls: number;
  /** POST → run.completed on ws, one run at a time. */
  wall: LatencySummary;
  /** CPU per run by process over the counted runs: unlike the wall time, barely moved by a busy machine. */
  cpuMsPerRun: CpuTimes;
}

export interface DefinitionFigures {
  cells: DefinitionCell[];
  fanOut: FanOutFigures[];
  /** Wall p50 of 100 parallel calls ÷ that of 10 (goal ≤ 2). */
  fanOutRatio: number;
  /** Worker CPU of one more parallel call: (CPU per 100-call run − per 10-call run) ÷ 90. */
  workerCpuMsPerCall: number;
}

export async function measureDefinitions(options: {
  endpoint: FlightdeckEndpoint;
  steps: number;
  concurrency: readonly number[];
  windowMs: number;
  rounds: number;
  fanOutRuns: number;
  cpuTimes: () => Promise<CpuTimes>;
  log: (line: string) => void;
}): Promise<DefinitionFigures> {
  const plan = flightdeckSystem(options.endpoint, undefined, 'plan');
  const definition = flightdeckSystem(options.endpoint, echoDefinitionShape, 'definition');
  const cells: DefinitionCell[] = [];
  for (const concurrency of options.concurrency) {
    const figures = await alternatingRounds([plan, definition], {
      steps: options.steps,
      concurrency,
      windowMs: options.windowMs,
      rounds: options.rounds,
      cpuTimes: options.cpuTimes,
    });
    const cell = { steps: options.steps, concurrency, plan: figures.get('plan')!, definition: figures.get('definition')!, throughputRatio: 0 };
    cell.throughputRatio = ratio(cell.definition, cell.plan);
    options.log(
      `N=${cell.steps} C=${concurrency}: plan ${cell.plan.runsPerSecond} runs/s (p50 ${cell.plan.latency.p50Ms} ms), definition ${cell.definition.runsPerSecond} runs/s (p50 ${cell.definition.latency.p50Ms} ms), ratio ${cell.throughputRatio}`,
    );
    cells.push(cell);
  }
  const fanOut: FanOutFigures[] = [];
  const [subscriber] = await StreamSubscriber.connectMany(options.endpoint.wsUrl, options.endpoint.apiKey, 1);
  if (!subscriber) throw new Error('no ws subscriber for the fan-out runs');
  try {
    const fanOutRun = async (calls: number): Promise<number> => {
      const startedAt = performance.now();
      const runId = await postRun(options.endpoint, { definition: 'bench-fan-out', name: `bench-fan-out-${calls}`, tags: ['bench'], input: { calls } });
      await watchRunToCompletion(subscriber, runId, expectedEventCount(calls));
      return msSince(startedAt);
    };
    for (const calls of [10, 100]) {
      // One run first, not counted: the first run of a size pays the JIT's warm-up for its paths.
      await fanOutRun(calls);
      const samples: number[] = [];
      const cpuBefore = await options.cpuTimes();
      for (let run = 0; run < options.fanOutRuns; run += 1) samples.push(await fanOutRun(calls));
      const cpu = cpuDelta(cpuBefore, await options.cpuTimes());
      const cpuMsPerRun: CpuTimes = {};
      for (const [group, ms] of Object.entries(cpu) as Array<[ProcessGroup, number]>) cpuMsPerRun[group] = roundTo(ms / options.fanOutRuns, 1);
      const figures = { calls, wall: summarizeLatencies(samples), cpuMsPerRun };
      options.log(
        `fan-out ${calls} parallel calls: p50 ${figures.wall.p50Ms} ms over ${options.fanOutRuns} runs, CPU ms per run: worker ${cpuMsPerRun.worker ?? '-'}, postgres ${cpuMsPerRun.postgres ?? '-'}, api ${cpuMsPerRun.api ?? '-'}`,
      );
      fanOut.push(figures);
    }
  } finally {
    await subscriber.close();
  }
  const [ten, hundred] = fanOut;
  const fanOutRatio = ten && hundred && ten.wall.p50Ms > 0 ? Math.round((hundred.wall.p50Ms / ten.wall.p50Ms) * 100) / 100 : Number.NaN;
  const workerCpuMsPerCall =
    ten?.cpuMsPerRun.worker !== undefined && hundred?.cpuMsPerRun.worker !== undefined
      ? roundTo((hundred.cpuMsPerRun.worker - ten.cpuMsPerRun.worker) / 90, 3)
      : Number.NaN;
  return { cells, fanOut, fanOutRatio, workerCpuMsPerCall };
}
