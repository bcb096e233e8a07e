/** The results file (bench/results/latest.json), the targets it is judged by, and the stdout table. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProcessGroup } from './cpu-accounting';
import type { AppendRateFigures } from './event-append';
import type { ChildMemory } from './flightdeck-processes';
import type { MachineInfo } from './machine';
import type { FixedRateFigures } from './open-loop';
import type { RestFigures } from './rest-phase';
import type { MatrixCell } from './run-matrix';
import type { LatencySummary } from './stats';
import type { WsDeliveryFigures } from './ws-latency';

export interface BenchResults extends RestFigures {
  date: string;
  durationSeconds: number;
  machine: MachineInfo;
  setup: Record<string, unknown>;
  runs: MatrixCell[];
  eventAppend: AppendRateFigures[];
  wsDelivery: WsDeliveryFigures[];
  /** API and worker are separate processes: their own RSS, from /proc/<pid>/status, after each phase. */
  memory: { api: ChildMemory; worker: ChildMemory; samples: Array<{ after: string; api: ChildMemory; worker: ChildMemory }> };
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
  const worstCell = [...results.runs].sort((a, b) => a.throughputRatio - b.throughputRatio)[0];
  const ws = results.wsDelivery.find((figures) => figures.subscribers === 1000) ?? results.wsDelivery[results.wsDelivery.length - 1];
  const bestAppend = [...results.eventAppend].sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0];
  const post = results.postRuns.find((figures) => figures.ratePerSecond === targetPostRate) ?? results.postRuns[results.postRuns.length - 1];
  const listP99 = Math.max(results.runsList.firstPage.p99Ms, results.runsList.laterPage.p99Ms);
  return [
    {
      name: 'Flightdeck / bare Temporal runs/s (worst cell)',
      target: '≥ 0.90',
      actual: worstCell ? `${worstCell.throughputRatio} (N=${worstCell.steps}, C=${worstCell.concurrency})` : 'n/a',
      met: (worstCell?.throughputRatio ?? 0) >= 0.9,
    },
    {
      name: `ws delivery p99 at ${ws?.subscribers ?? '?'} subscribers`,
      target: '≤ 25 ms',
      actual: `${ws?.latency.p99Ms ?? 'n/a'} ms`,
      met: (ws?.latency.p99Ms ?? Infinity) <= 25,
    },
    {
      name: `POST /v1/runs p99 at ${post?.ratePerSecond ?? '?'} req/s`,
      target: '≤ 30 ms',
      actual: `${post?.latency.p99Ms ?? 'n/a'} ms`,
      met: (post?.latency.p99Ms ?? Infinity) <= 30,
    },
    {
      name: 'events appended per second (best shape)',
      target: '≥ 10,000',
      actual: bestAppend ? `${bestAppend.eventsPerSecond} (${bestAppend.writers} writers × ${bestAppend.eventsPerCall} events/call)` : 'n/a',
      met: (bestAppend?.eventsPerSecond ?? 0) >= 10_000,
    },
    {
      name: `GET /v1/runs?limit=50 p99 at ${results.runsList.seededRuns} runs`,
      target: '≤ 50 ms',
      actual: `${listP99} ms`,
      met: listP99 <= 50,
    },
  ];
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
    'Runs: bare Temporal (a) vs Flightdeck (b), closed loop, latency in ms',
    table(
      ['N', 'C', 'a runs/s', 'a p50', 'a p99', 'b runs/s', 'b p50', 'b p99', 'b/a', 'runs a/b', 'failed a/b'],
      results.runs.map((cell) => [
        cell.steps,
        cell.concurrency,
        cell.temporal.runsPerSecond,
        ...ms(cell.temporal.latency),
        cell.flightdeck.runsPerSecond,
        ...ms(cell.flightdeck.latency),
        cell.throughputRatio,
        `${cell.temporal.runs}/${cell.flightdeck.runs}`,
        `${cell.temporal.failed}/${cell.flightdeck.failed}`,
      ]),
    ),
    '',
    `CPU ms per run, a | b (${cpuGroups.join(', ')}; "bench" is the baseline worker + clients in a, the HTTP/ws clients in b)`,
    table(
      ['N', 'C', ...cpuGroups.map((group) => `${group} a|b`), 'total a|b'],
      results.runs.map((cell) => {
        const total = (cpu: Partial<Record<ProcessGroup, number>>) => Math.round(cpuGroups.reduce((sum, group) => sum + (cpu[group] ?? 0), 0));
        const pair = (group: ProcessGroup) => `${cell.temporal.cpuMsPerRun[group] ?? '-'}|${cell.flightdeck.cpuMsPerRun[group] ?? '-'}`;
        return [cell.steps, cell.concurrency, ...cpuGroups.map(pair), `${total(cell.temporal.cpuMsPerRun)}|${total(cell.flightdeck.cpuMsPerRun)}`];
      }),
    ),
    '',
    'Event append (appendEvents; each writer on its own run)',
    table(
      ['writers', 'events/call', 'events/s', 'call p50 ms', 'call p99 ms'],
      results.eventAppend.map((figures) => [figures.writers, figures.eventsPerCall, figures.eventsPerSecond, ...ms(figures.callLatency)]),
    ),
    '',
    'Event commit → ws delivery (subscribers of one run)',
    table(
      ['subscribers', 'events', 'p50 ms', 'p99 ms', 'max ms', 'missed'],
      results.wsDelivery.map((figures) => [figures.subscribers, figures.events, ...ms(figures.latency), figures.latency.maxMs, figures.missed]),
    ),
    '',
    'REST (fixed arrival rate; drain = time for the started runs to finish after the last answer)',
    table(['request', 'count', 'p50 ms', 'p99 ms', 'note'], [
      ...results.postRuns.flatMap((post, index) => {
        const start = results.temporalStart[index];
        return [
          rateRow(`POST /v1/runs @ ${post.ratePerSecond}/s`, post),
          ...(start ? [rateRow(`  bare Temporal workflow.start @ ${start.ratePerSecond}/s`, start)] : []),
        ];
      }),
      ['GET /v1/runs?limit=50 (first page)', results.runsList.firstPage.count, ...ms(results.runsList.firstPage), `${results.runsList.seededRuns} runs`],
      ['GET /v1/runs?limit=50&cursor=…', results.runsList.laterPage.count, ...ms(results.runsList.laterPage), `after run ${results.runsList.laterPage.offset}`],
    ]),
    '',
    `Memory (RSS of the child processes): api ${results.memory.api.rssMb} MiB (peak ${results.memory.api.peakRssMb}), worker ${results.memory.worker.rssMb} MiB (peak ${results.memory.worker.peakRssMb})`,
    '',
    'Targets',
    table(
      ['', 'target', 'actual', 'goal'],
      results.targets.map((check) => [check.name, check.target, check.actual, check.met ? 'met' : 'SHORT']),
    ),
  ].join('\n');
}
