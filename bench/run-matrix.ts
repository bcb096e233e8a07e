/**
 * Part 1 of the benchmark: bare Temporal (a) against Flightdeck (b) and the DBOS peer (c) for each
 * (steps, concurrency) cell, in alternating rounds a, b, c, a, b, c… so that machine noise (other processes, GC, the dev
 * server's SQLite growing) lands on both systems alike.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuDelta, type CpuTimes, type ProcessGroup } from './cpu-accounting';
import { closedLoopRound, type RoundResult, type RunSystem } from './run-system';
import { roundTo, summarizeLatencies, type LatencySummary } from './stats';

export interface SystemFigures {
  runs: number;
  failed: number;
  runsPerSecond: number;
  latency: LatencySummary;
  /** CPU milliseconds per completed run, by process (only processes the bench can see in /proc). */
  cpuMsPerRun: CpuTimes;
  errors: string[];
}

export interface MatrixCell {
  steps: number;
  concurrency: number;
  temporal: SystemFigures;
  flightdeck: SystemFigures;
  /** The peer engine (DBOS Transact), when the bench runs it. */
  dbos?: SystemFigures;
  /** Flightdeck runs/s ÷ bare Temporal runs/s (target ≥ 0.95 at C=10, ≥ 0.90 at C=100). */
  throughputRatio: number;
  /** Flightdeck runs/s ÷ DBOS runs/s. */
  dbosRatio?: number;
}

export interface MatrixOptions {
  steps: readonly number[];
  concurrency: readonly number[];
  windowMs: number;
  /** Rounds of each system per cell. */
  rounds: number;
  log: (line: string) => void;
  /** Cumulative CPU times of the processes involved, read before and after each round. */
  cpuTimes: () => Promise<CpuTimes>;
}

type Systems = { temporal: RunSystem; flightdeck: RunSystem; dbos?: RunSystem };
export type CellOptions = { steps: number; concurrency: number; windowMs: number; rounds: number; cpuTimes: () => Promise<CpuTimes> };
type MeasuredRound = RoundResult & { cpuMs: CpuTimes };

/** Lets the tail of the last round (workflow completion, search attributes) settle before the next. */
const settleMs = 250;

export async function runMatrix(systems: Systems, options: MatrixOptions): Promise<MatrixCell[]> {
  const cells: MatrixCell[] = [];
  for (const steps of options.steps) {
    for (const concurrency of options.concurrency) {
      const cell = await runCell(systems, { ...options, steps, concurrency });
      options.log(
        `N=${steps} C=${concurrency}: temporal ${cell.temporal.runsPerSecond} runs/s (p50 ${cell.temporal.latency.p50Ms} ms), ` +
          `flightdeck ${cell.flightdeck.runsPerSecond} runs/s (p50 ${cell.flightdeck.latency.p50Ms} ms), ratio ${cell.throughputRatio}` +
          (cell.dbos ? `; dbos ${cell.dbos.runsPerSecond} runs/s (p50 ${cell.dbos.latency.p50Ms} ms), flightdeck/dbos ${cell.dbosRatio}` : ''),
      );
      cells.push(cell);
    }
  }
  return cells;
}

/** One round of each system, discarded: JIT, connection pools and workflow caches warm up here. */
export async function warmUp(systems: Systems, windowMs: number): Promise<void> {
  await runCell(systems, { steps: 5, concurrency: 10, windowMs, rounds: 1, cpuTimes: async () => ({}) });
}

async function runCell(systems: Systems, cell: CellOptions): Promise<MatrixCell> {
  const figures = await alternatingRounds([systems.temporal, systems.flightdeck, ...(systems.dbos ? [systems.dbos] : [])], cell);
  const temporal = figures.get('temporal')!;
  const flightdeck = figures.get('flightdeck')!;
  const dbos = figures.get('dbos');
  return {
    steps: cell.steps,
    concurrency: cell.concurrency,
    temporal,
    flightdeck,
    throughputRatio: ratio(flightdeck, temporal),
    ...(dbos ? { dbos, dbosRatio: ratio(flightdeck, dbos) } : {}),
  };
}

/** Rounds of each system in turn (a, b, c, a, b, c…) for one cell; the figures by system name. */
export async function alternatingRounds(order: readonly RunSystem[], cell: CellOptions): Promise<Map<string, SystemFigures>> {
  const rounds = new Map<string, MeasuredRound[]>(order.map((system) => [system.name, []]));
  const sessions = await Promise.all(order.map((system) => system.open(cell.concurrency)));
  try {
    for (let round = 0; round < cell.rounds; round += 1) {
      for (const [index, system] of order.entries()) {
        const session = sessions[index];
        if (!session) throw new Error(`no session for ${system.name}`);
        const cpuBefore = await cell.cpuTimes();
        const result = await closedLoopRound(session, cell);
        rounds.get(system.name)?.push({ ...result, cpuMs: cpuDelta(cpuBefore, await cell.cpuTimes()) });
        await sleep(settleMs);
      }
    }
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
  return new Map([...rounds].map(([name, measured]) => [name, combineRounds(measured)]));
}

export const ratio = (of: SystemFigures, to: SystemFigures): number => (to.runsPerSecond > 0 ? roundTo(of.runsPerSecond / to.runsPerSecond, 3) : Number.NaN);

/** Runs/s over the rounds' summed wall time; latency percentiles over every run of every round. */
function combineRounds(results: MeasuredRound[]): SystemFigures {
  const completed = results.reduce((sum, round) => sum + round.completed, 0);
  const cpuMsPerRun: CpuTimes = {};
  for (const group of new Set(results.flatMap((round) => Object.keys(round.cpuMs) as ProcessGroup[]))) {
    const total = results.reduce((sum, round) => sum + (round.cpuMs[group] ?? 0), 0);
    if (completed > 0) cpuMsPerRun[group] = roundTo(total / completed, 1);
  }
  const wallMs = results.reduce((sum, round) => sum + round.wallMs, 0);
  return {
    runs: completed,
    failed: results.reduce((sum, round) => sum + round.failed, 0),
    runsPerSecond: wallMs > 0 ? roundTo((completed * 1000) / wallMs, 2) : 0,
    latency: summarizeLatencies(results.flatMap((round) => round.latenciesMs)),
    cpuMsPerRun,
    errors: [...new Set(results.flatMap((round) => round.errors))].slice(0, 5),
  };
}
