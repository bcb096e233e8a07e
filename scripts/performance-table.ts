/**
 * The figures section of docs/performance.md, from bench/results/latest.json (what `npm run bench`
 * wrote last): when and where it ran, how, and its tables. Only what the file holds; a missing part
 * is named as missing, never filled in.
 */
import { matrixRowFigures, type BenchResults } from '../bench/report';
import type { SystemFigures } from '../bench/run-matrix';
import { benchEnvSchema } from '../bench/options';
import type { LatencySummary } from '../bench/stats';
import { describeField } from './config-table';
import { markdownTable } from './generated-section';

export const resultsFile = 'bench/results/latest.json';

type Results = Partial<BenchResults>;

const p50p99 = (latency: LatencySummary) => [latency.p50Ms, latency.p99Ms];
const cpuTotal = (figures: SystemFigures) => Math.round(Object.values(figures.cpuMsPerRun).reduce((sum, ms) => sum + (ms ?? 0), 0));

function provenance(results: Results): string[] {
  const { machine } = results;
  const lines = [
    results.date
      ? `Recorded ${results.date}${results.durationSeconds === undefined ? '' : ` (the bench took ${results.durationSeconds} s)`}.`
      : `${resultsFile} records no date.`,
  ];
  if (!machine) return [...lines, `${resultsFile} records no machine.`];
  lines.push(
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}, PostgreSQL ${machine.postgres}, ` +
      `${machine.temporalCli}; 1-minute load average ${machine.loadAverageAtStart} at start, ${machine.loadAverageAtEnd ?? '(not recorded)'} at end.`,
  );
  return lines;
}

function setup(results: Results): string[] {
  if (!results.setup) return [`${resultsFile} records no setup.`];
  const { options, ...described } = results.setup;
  const knobs = Object.entries((options ?? {}) as Record<string, unknown>).map(
    ([name, value]) => `\`${name}=${Array.isArray(value) ? value.join(',') : String(value)}\``,
  );
  return [
    'Setup, as the file records it:',
    '',
    ...Object.entries(described).map(([name, text]) => `- ${name}: ${String(text)}`),
    ...(knobs.length > 0 ? [`- options: ${knobs.join(', ')}`] : []),
  ];
}

function runsTable(cells: NonNullable<Results['runs']>): string[] {
  if (cells.length === 0) return [];
  const withPeer = cells.some((cell) => cell.dbos);
  return [
    `### Runs: bare Temporal vs Flightdeck${withPeer ? ' vs DBOS Transact' : ''}`,
    '',
    'N steps per run, C concurrent virtual users; latency in ms from start to completion; CPU is ms per run summed over the processes the bench sees.',
    '',
    markdownTable(
      [
        'N',
        'C',
        'Temporal runs/s',
        'p50',
        'p99',
        'Flightdeck runs/s',
        'p50',
        'p99',
        ...(withPeer ? ['DBOS runs/s', 'p50', 'p99'] : []),
        'Flightdeck ÷ Temporal',
        ...(withPeer ? ['Flightdeck ÷ DBOS'] : []),
        `CPU ms/run T/F${withPeer ? '/D' : ''}`,
        `failed T/F${withPeer ? '/D' : ''}`,
      ],
      cells.map((cell) => [
        ...matrixRowFigures(cell, withPeer),
        [cell.temporal, cell.flightdeck, ...(cell.dbos ? [cell.dbos] : [])].map(cpuTotal).join(' / '),
        [cell.temporal, cell.flightdeck, ...(cell.dbos ? [cell.dbos] : [])].map((figures) => figures.failed).join(' / '),
      ]),
    ),
  ];
}

function logAndStreamTables(results: Results): string[] {
  const sections: string[] = [];
  if (results.definitions) {
    const { cells, fanOut, fanOutRatio } = results.definitions;
    sections.push(
      '### Definitions against plans',
      '',
      'An N-call definition (bench/definitions/bench-echo-chain.ts) against the N-step echo plan it mirrors, in alternating rounds; then runs one at a time, after a warm-up run each, of 10 and of 100 parallel calls (bench-fan-out), POST → run.completed on ws.',
      '',
      markdownTable(
        ['N', 'C', 'plan runs/s', 'p50', 'p99', 'definition runs/s', 'p50', 'p99', 'definition ÷ plan'],
        cells.map((cell) => [
          cell.steps,
          cell.concurrency,
          cell.plan.runsPerSecond,
          ...p50p99(cell.plan.latency),
          cell.definition.runsPerSecond,
          ...p50p99(cell.definition.latency),
          cell.throughputRatio,
        ]),
      ),
      '',
      markdownTable(
        ['parallel calls', 'runs', 'wall p50 ms', 'wall p99 ms'],
        fanOut.map((figures) => [figures.calls, figures.wall.count, ...p50p99(figures.wall)]),
      ),
      '',
      `100 ÷ 10 parallel calls, wall p50: ${fanOutRatio}×.`,
      '',
    );
  }
  if (results.eventAppend?.length) {
    sections.push(
      '### Event append',
      '',
      markdownTable(
        ['writers', 'events per call', 'events/s', 'call p50 ms', 'call p99 ms'],
        results.eventAppend.map((figures) => [figures.writers, figures.eventsPerCall, figures.eventsPerSecond, ...p50p99(figures.callLatency)]),
      ),
      '',
    );
  }
  if (results.stream) sections.push(...streamTable(results.stream));
  if (results.wsDelivery?.length) {
    sections.push(
      '### Event commit → ws delivery',
      '',
      markdownTable(
        ['subscribers', 'events', 'p50 ms', 'p99 ms', 'max ms', 'missed'],
        results.wsDelivery.map((figures) => [figures.subscribers, figures.events, ...p50p99(figures.latency), figures.latency.maxMs, figures.missed]),
      ),
      '',
    );
  }
  return sections;
}

function streamTable(stream: NonNullable<Results['stream']>): string[] {
  const row = (label: string, variant: typeof stream.chunked) => [
    label,
    variant.runs,
    ...p50p99(variant.delta.latency),
    variant.delta.framesPerRun,
    variant.cpuMsPerRun.worker ?? '-',
    variant.cpuMsPerRun.api ?? '-',
    variant.cpuMsPerRun.postgres ?? '-',
    variant.cpuMsPerRun.temporal ?? '-',
    variant.flightdeckCpuMsPerRun,
    `${variant.failed} / ${variant.delta.missedChunks}`,
  ];
  return [
    '### Streamed answers',
    '',
    `${stream.concurrency} concurrent one-turn agent runs, an answer of ${stream.answerChars} characters; chunk → delta is from the model double sending a chunk to the ws client receiving the delta frame with it. The worker always streams, so the whole answer in one chunk (after the same ${stream.chunks * stream.chunkGapMs} ms) stands for not streaming.`,
    '',
    markdownTable(
      [
        'answer',
        'runs',
        'chunk → delta p50 ms',
        'p99 ms',
        'delta frames per run',
        'worker CPU ms/run',
        'API',
        'Postgres',
        'Temporal',
        'total',
        'failed / missed chunks',
      ],
      [row(`${stream.chunks} chunks, one every ${stream.chunkGapMs} ms`, stream.chunked), row('one chunk', stream.whole)],
    ),
    '',
    `CPU per run, chunked ÷ one chunk: ${Math.round((1 + stream.cpuOverhead) * 1000) / 1000}×.`,
    '',
  ];
}

function restTable(results: Results): string[] {
  const rows: Array<Array<string | number>> = [];
  (results.postRuns ?? []).forEach((post, index) => {
    rows.push([`POST /v1/runs at ${post.ratePerSecond}/s`, post.requests, ...p50p99(post.latency), post.failed]);
    const start = results.temporalStart?.[index];
    if (start) rows.push([`bare Temporal workflow.start at ${start.ratePerSecond}/s`, start.requests, ...p50p99(start.latency), start.failed]);
  });
  const list = results.runsList;
  if (list) {
    rows.push([`GET /v1/runs?limit=50, first page (${list.seededRuns} runs)`, list.firstPage.count, ...p50p99(list.firstPage), '-']);
    rows.push([`GET /v1/runs?limit=50, page after run ${list.laterPage.offset}`, list.laterPage.count, ...p50p99(list.laterPage), '-']);
  }
  if (rows.length === 0) return [];
  return ['### REST', '', markdownTable(['request', 'requests', 'p50 ms', 'p99 ms', 'failed'], rows), ''];
}

function memoryAndTargets(results: Results): string[] {
  const lines: string[] = [];
  const { memory } = results;
  if (memory) {
    lines.push(
      memory.combined
        ? `Memory (RSS at the end): the API + worker process ${memory.worker.rssMb} MiB, peak ${memory.worker.peakRssMb} MiB.`
        : `Memory (RSS at the end): API ${memory.api.rssMb} MiB (peak ${memory.api.peakRssMb}), worker ${memory.worker.rssMb} MiB (peak ${memory.worker.peakRssMb}).`,
      '',
    );
  }
  if (results.targets?.length) {
    lines.push(
      '### Targets',
      '',
      markdownTable(
        ['', 'target', 'actual', 'result'],
        results.targets.map((check) => [check.name, check.target, check.actual, check.met ? 'met' : 'short']),
      ),
    );
  }
  return lines;
}

/** The section's Markdown for the results file's content. */
export function performanceSection(results: Results): string {
  return [
    ...provenance(results),
    '',
    ...setup(results),
    '',
    ...runsTable(results.runs ?? []),
    '',
    ...logAndStreamTables(results),
    ...restTable(results),
    ...memoryAndTargets(results),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** The bench's knobs (bench/options.ts): variable, default, description. */
export function benchOptionsTable(): string {
  return markdownTable(
    ['Variable', 'Default', 'Description'],
    Object.entries(benchEnvSchema.shape).map(([name, field]) => {
      const { description, fallback } = describeField(field);
      if (!description) throw new Error(`bench option ${name} has no .describe()`);
      return [`\`${name}\``, fallback, description];
    }),
  );
}
