/** The results file (bench/results/latest.json), the targets it is judged by, and the stdout table. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProcessGroup } from './cpu-accounting';
import type { DefinitionFigures } from './definitions-phase';
import type { AppendRateFigures } from './event-append';
import type { ChildMemory } from './flightdeck-processes';
import type { MachineInfo } from './machine';
import type { FixedRateFigures } from './open-loop';
import type { RestFigures } from './rest-phase';
import type { MatrixCell, SystemFigures } from './run-matrix';
import type { LatencySummary } from './stats';
import type { StreamFigures, StreamVariantFigures } from './stream-phase';
import type { WsDeliveryFigures } from './ws-latency';

export interface BenchResults extends Partial<RestFigures> {
  date: string;
  durationSeconds: number;
  machine: MachineInfo;
  setup: Record<string, unknown>;
  runs: MatrixCell[];
  /** A definition against the plan it mirrors, and parallel calls in one run (bench/definitions-phase.ts). */
  definitions?: DefinitionFigures;
  eventAppend: AppendRateFigures[];
  wsDelivery: WsDeliveryFigures[];
  /** Streamed answers of agent runs: provider chunk → ws delta latency, and what chunking costs (bench/stream-phase.ts). */
  stream?: StreamFigures;
  /**
   * RSS from /proc/<pid>/status after each phase: of the API and the worker, or, with `combined`,
   * of the one process that is both (then `api` and `worker` are the same figures).
   */
  memory: { combined: boolean; api: ChildMemory; worker: ChildMemory; samples: Array<{ after: string; api: ChildMemory; worker: ChildMemory }> };
  targets: TargetCheck[];
}

export interface TargetCheck {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

const targetPostRate = 50;

export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  return [
    ...runTargets(results.runs),
    ...definitionTargets(results.definitions),
    ...logAndStreamTargets(results),
    ...streamTargets(results.stream),
    ...restTargets(results),
  ];
}

/** Issue 23: a chunk reaches the user within 50 ms (p99) at 100 streaming runs; streaming adds at most 5 % CPU per run. */
function streamTargets(figures: StreamFigures | undefined): TargetCheck[] {
  if (!figures) return [];
  const { p99Ms } = figures.chunked.delta.latency;
  const overheadPercent = Math.round(figures.cpuOverhead * 1000) / 10;
  return [
    {
      name: `provider chunk → ws delta p99 at ${figures.concurrency} streaming runs`,
      target: '≤ 50 ms',
      actual: `${p99Ms} ms`,
      met: p99Ms <= 50,
    },
    {
      name: `CPU per run, ${figures.chunks} chunks ÷ one chunk (API, worker, Postgres, Temporal)`,
      target: '≤ +5 %',
      actual: `${overheadPercent >= 0 ? '+' : ''}${overheadPercent} %`,
      met: figures.cpuOverhead <= 0.05,
    },
  ];
}

/** Issue 21: a 5-call definition within 5 % of the 5-step plan; 100 parallel calls within 2× the wall time of 10. */
function definitionTargets(figures: DefinitionFigures | undefined): TargetCheck[] {
  if (!figures) return [];
  const checks: TargetCheck[] = figures.cells.map((cell) => ({
    name: `${cell.steps}-call definition / ${cell.steps}-step plan runs/s at C=${cell.concurrency}`,
    target: '≥ 0.95',
    actual: String(cell.throughputRatio),
    met: cell.throughputRatio >= 0.95,
  }));
  if (Number.isFinite(figures.fanOutRatio)) {
    checks.push({ name: 'one run: 100 parallel calls ÷ 10, wall p50', target: '≤ 2', actual: `${figures.fanOutRatio}×`, met: figures.fanOutRatio <= 2 });
  }
  return checks;
}

/** Issue 12: a 5-step run's p50 at C=1, and Flightdeck ÷ bare Temporal at C=10 and C=100 (worst N). */
function runTargets(cells: MatrixCell[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const fiveStepSolo = cells.find((cell) => cell.steps === 5 && cell.concurrency === 1);
  if (fiveStepSolo) {
    const p50 = fiveStepSolo.flightdeck.latency.p50Ms;
    checks.push({ name: '5-step run, POST → run.completed on ws, p50 at C=1', target: '≤ 60 ms', actual: `${p50} ms`, met: p50 <= 60 });
  }
  for (const [concurrency, target] of [
    [10, 0.95],
    [100, 0.9],
  ] as const) {
    const worst = cells.filter((cell) => cell.concurrency === concurrency).sort((a, b) => a.throughputRatio - b.throughputRatio)[0];
    if (!worst) continue;
    checks.push({
      name: `Flightdeck / bare Temporal runs/s at C=${concurrency} (worst N)`,
      target: `≥ ${target}`,
      actual: `${worst.throughputRatio} (N=${worst.steps})`,
      met: worst.throughputRatio >= target,
    });
  }
  return checks;
}

function logAndStreamTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ws = results.wsDelivery.find((figures) => figures.subscribers === 1000) ?? results.wsDelivery[results.wsDelivery.length - 1];
  if (ws)
    checks.push({ name: `ws delivery p99 at ${ws.subscribers} subscribers`, target: '≤ 25 ms', actual: `${ws.latency.p99Ms} ms`, met: ws.latency.p99Ms <= 25 });
  const bestAppend = [...results.eventAppend].sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0];
  if (bestAppend) {
    checks.push({
      name: 'events appended per second (best shape)',
      target: '≥ 10,000',
      actual: `${bestAppend.eventsPerSecond} (${bestAppend.writers} writers × ${bestAppend.eventsPerCall} events/call)`,
      met: bestAppend.eventsPerSecond >= 10_000,
    });
  }
  return checks;
}

function restTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const postRuns = results.postRuns ?? [];
  const post = postRuns.find((figures) => figures.ratePerSecond === targetPostRate) ?? postRuns[postRuns.length - 1];
  if (post)
    checks.push({
      name: `POST /v1/runs p99 at ${post.ratePerSecond} req/s`,
      target: '≤ 30 ms',
      actual: `${post.latency.p99Ms} ms`,
      met: post.latency.p99Ms <= 30,
    });
  if (results.runsList) {
    const listP99 = Math.max(results.runsList.firstPage.p99Ms, results.runsList.laterPage.p99Ms);
    checks.push({ name: `GET /v1/runs?limit=50 p99 at ${results.runsList.seededRuns} runs`, target: '≤ 50 ms', actual: `${listP99} ms`, met: listP99 <= 50 });
  }
  return checks;
}

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  // Text (the first column) reads best left-aligned, figures right-aligned.
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const ms = (summary: LatencySummary) => [summary.p50Ms, summary.p99Ms];
const cpuGroups: ProcessGroup[] = ['temporal', 'postgres', 'api', 'worker', 'bench'];

function rateRow(label: string, figures: FixedRateFigures): Array<string | number> {
  return [label, figures.latency.count, ...ms(figures.latency), `failed ${figures.failed}, drain ${figures.drainSeconds} s`];
}

export function formatReport(results: BenchResults): string {
  const { machine } = results;
  return [
    `Flightdeck benchmark, ${results.date} (${results.durationSeconds} s)`,
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}, load ${machine.loadAverageAtStart} at start, ${machine.loadAverageAtEnd ?? '?'} at end`,
    '',
    ...(results.runs.length > 0 ? runsSection(results.runs) : []),
    ...(results.definitions ? definitionsSection(results.definitions) : []),
    ...(results.eventAppend.length > 0
      ? [
          'Event append (appendEvents; each writer on its own run)',
          table(
            ['writers', 'events/call', 'events/s', 'call p50 ms', 'call p99 ms'],
            results.eventAppend.map((figures) => [figures.writers, figures.eventsPerCall, figures.eventsPerSecond, ...ms(figures.callLatency)]),
          ),
          '',
        ]
      : []),
    ...(results.wsDelivery.length > 0
      ? [
          'Event commit → ws delivery (subscribers of one run)',
          table(
            ['subscribers', 'events', 'p50 ms', 'p99 ms', 'max ms', 'missed'],
            results.wsDelivery.map((figures) => [figures.subscribers, figures.events, ...ms(figures.latency), figures.latency.maxMs, figures.missed]),
          ),
          '',
        ]
      : []),
    ...(results.stream ? streamSection(results.stream) : []),
    ...restSection(results),
    results.memory.combined
      ? `Memory (RSS of the child process): api+worker ${results.memory.worker.rssMb} MiB (peak ${results.memory.worker.peakRssMb})`
      : `Memory (RSS of the child processes): api ${results.memory.api.rssMb} MiB (peak ${results.memory.api.peakRssMb}), worker ${results.memory.worker.rssMb} MiB (peak ${results.memory.worker.peakRssMb})`,
    '',
    'Targets',
    table(
      ['', 'target', 'actual', 'goal'],
      results.targets.map((check) => [check.name, check.target, check.actual, check.met ? 'met' : 'SHORT']),
    ),
  ].join('\n');
}

/**
 * A matrix cell's figures, as both the stdout table and docs/performance.md show them: N, C, then
 * runs/s, p50 and p99 of bare Temporal, Flightdeck and (with a peer) DBOS, then the ratios.
 */
export function matrixRowFigures(cell: MatrixCell, withPeer: boolean): Array<string | number> {
  const figures = (system: SystemFigures) => [system.runsPerSecond, ...ms(system.latency)];
  return [
    cell.steps,
    cell.concurrency,
    ...figures(cell.temporal),
    ...figures(cell.flightdeck),
    ...(withPeer ? (cell.dbos ? figures(cell.dbos) : ['-', '-', '-']) : []),
    cell.throughputRatio,
    ...(withPeer ? [cell.dbosRatio ?? '-'] : []),
  ];
}

function runsSection(cells: MatrixCell[]): string[] {
  const withPeer = cells.some((cell) => cell.dbos);
  return [
    `Runs: bare Temporal (a) vs Flightdeck (b)${withPeer ? ' vs DBOS Transact (c)' : ''}, closed loop, latency in ms`,
    table(
      [
        'N',
        'C',
        'a runs/s',
        'a p50',
        'a p99',
        'b runs/s',
        'b p50',
        'b p99',
        ...(withPeer ? ['c runs/s', 'c p50', 'c p99'] : []),
        'b/a',
        ...(withPeer ? ['b/c'] : []),
        'failed a/b',
      ],
      cells.map((cell) => [...matrixRowFigures(cell, withPeer), `${cell.temporal.failed}/${cell.flightdeck.failed}${cell.dbos ? `/${cell.dbos.failed}` : ''}`]),
    ),
    '',
    `CPU ms per run, a | b${withPeer ? ' | c' : ''} (${cpuGroups.join(', ')}; "bench" is the baseline worker + clients in a, the HTTP/ws clients in b${withPeer ? ', DBOS itself in c' : ''})`,
    table(
      ['N', 'C', ...cpuGroups.map((group) => `${group} a|b${withPeer ? '|c' : ''}`), `total a|b${withPeer ? '|c' : ''}`],
      cells.map((cell) => {
        const systems = [cell.temporal, cell.flightdeck, ...(cell.dbos ? [cell.dbos] : [])];
        const total = (cpu: Partial<Record<ProcessGroup, number>>) => Math.round(cpuGroups.reduce((sum, group) => sum + (cpu[group] ?? 0), 0));
        const joined = (group: ProcessGroup) => systems.map((figures) => figures.cpuMsPerRun[group] ?? '-').join('|');
        return [cell.steps, cell.concurrency, ...cpuGroups.map(joined), systems.map((figures) => total(figures.cpuMsPerRun)).join('|')];
      }),
    ),
    '',
  ];
}

function streamSection(figures: StreamFigures): string[] {
  const row = (label: string, variant: StreamVariantFigures) => [
    label,
    variant.runs,
    variant.runsPerSecond,
    ...ms(variant.latency),
    ...ms(variant.delta.latency),
    variant.delta.framesPerRun,
    ...cpuGroups.map((group) => variant.cpuMsPerRun[group] ?? '-'),
    variant.flightdeckCpuMsPerRun,
    `${variant.failed}/${variant.delta.missedChunks}/${variant.delta.resets}`,
  ];
  return [
    `Streamed answers: ${figures.concurrency} concurrent one-turn agent runs, an answer of ${figures.answerChars} characters; the worker always streams, so "one chunk" (the whole answer in one delta, after the same ${figures.chunks * figures.chunkGapMs} ms) stands for not streaming`,
    table(
      [
        'answer',
        'runs',
        'runs/s',
        'run p50 ms',
        'run p99 ms',
        'chunk→delta p50 ms',
        'p99 ms',
        'frames/run',
        ...cpuGroups.map((group) => `${group} CPU ms/run`),
        'flightdeck CPU ms/run',
        'failed/missed/resets',
      ],
      [row(`${figures.chunks} chunks, one every ${figures.chunkGapMs} ms`, figures.chunked), row('one chunk', figures.whole)],
    ),
    `CPU per run, ${figures.chunks} chunks ÷ one chunk (temporal + postgres + api + worker): ${Math.round((1 + figures.cpuOverhead) * 1000) / 1000}×`,
    '',
  ];
}

function restSection(results: BenchResults): string[] {
  const postRuns = results.postRuns ?? [];
  const rows: Array<Array<string | number>> = postRuns.flatMap((post, index) => {
    const start = results.temporalStart?.[index];
    return [
      rateRow(`POST /v1/runs @ ${post.ratePerSecond}/s`, post),
      ...(start ? [rateRow(`  bare Temporal workflow.start @ ${start.ratePerSecond}/s`, start)] : []),
    ];
  });
  const list = results.runsList;
  if (list) {
    rows.push(['GET /v1/runs?limit=50 (first page)', list.firstPage.count, ...ms(list.firstPage), `${list.seededRuns} runs`]);
    rows.push(['GET /v1/runs?limit=50&cursor=…', list.laterPage.count, ...ms(list.laterPage), `after run ${list.laterPage.offset}`]);
  }
  if (rows.length === 0) return [];
  return [
    'REST (fixed arrival rate; drain = time for the started runs to finish after the last answer)',
    table(['request', 'count', 'p50 ms', 'p99 ms', 'note'], rows),
    '',
  ];
}

function definitionsSection(figures: DefinitionFigures): string[] {
  return [
    'Definitions against plans (runs/s, latency ms)',
    table(
      ['cell', 'plan runs/s', 'plan p50', 'plan p99', 'definition runs/s', 'definition p50', 'definition p99', 'definition / plan'],
      figures.cells.map((cell) => [
        `N=${cell.steps} C=${cell.concurrency}`,
        cell.plan.runsPerSecond,
        ...ms(cell.plan.latency),
        cell.definition.runsPerSecond,
        ...ms(cell.definition.latency),
        cell.throughputRatio,
      ]),
    ),
    '',
    table(
      ['parallel calls in one run', 'runs', 'wall p50 ms', 'wall p99 ms', 'worker CPU ms/run', 'postgres CPU ms/run', 'api CPU ms/run'],
      figures.fanOut.map((fan) => [
        fan.calls,
        fan.wall.count,
        ...ms(fan.wall),
        fan.cpuMsPerRun.worker ?? '-',
        fan.cpuMsPerRun.postgres ?? '-',
        fan.cpuMsPerRun.api ?? '-',
      ]),
    ),
    `100 ÷ 10 parallel calls, wall p50: ${figures.fanOutRatio}×; worker CPU per extra call: ${figures.workerCpuMsPerCall} ms`,
    '',
  ];
}
