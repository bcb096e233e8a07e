/**
 * Streamed answers (issue 23): C virtual users each start a one-turn agent run (`tools: []`) and
 * follow it on ws until run.completed, while the model double (test/paced-chat-completions-server.ts,
 * in this process) streams its answer at a provider's pace. Each chunk's text carries the moment
 * the double sent it, so the ws client times every chunk from the provider's send to the `delta`
 * frame that brings it, on one clock, through the whole path a user's answer takes (the worker's
 * callModel → answer stream → model_answers + NOTIFY → the API's answer feed → ws).
 *
 * The worker always calls the provider with `stream: true` (streamText), so "not streaming" cannot
 * go through the same code: the same answer in one chunk, sent when the last small chunk would
 * have been, stands for it. The two alternate in rounds, and their CPU per run says what the
 * chunking costs.
 */
import type { PacedChatCompletionsServer } from '../test/paced-chat-completions-server';
import type { CpuTimes, ProcessGroup } from './cpu-accounting';
import { postRun, subscriberSystem, type FlightdeckEndpoint } from './flightdeck-runs';
import { alternatingRounds, type SystemFigures } from './run-matrix';
import type { RunSystem } from './run-system';
import { roundTo, summarizeLatencies, type LatencySummary } from './stats';
import type { StreamSubscriber } from './stream-subscriber';

/** By default an answer of 100 chunks, one every 20 ms: ~50 chunks a second, as a fast model writes. */
const defaultChunks = 100;
const defaultChunkGapMs = 20;
/** The processes whose CPU is Flightdeck's; the bench process (the double and the clients) is shown apart. */
export const flightdeckGroups: ProcessGroup[] = ['temporal', 'postgres', 'api', 'worker'];

const runTimeoutMs = 120_000;
const chunkMarker = /\[(\d{3})@(\d+\.\d{2})\] /g;

/** A chunk's text: its index and the send time (performance.now() of this process), of a fixed width. */
export const chunkText = (index: number): string => `[${String(index).padStart(3, '0')}@${performance.now().toFixed(2).padStart(11, '0')}] `;

export interface DeltaFigures {
  /** Provider send → ws receipt of the delta frame carrying it, one sample per chunk. */
  latency: LatencySummary;
  /** `delta` frames a run's answer came in (the worker's 10 ms coalescing gathers chunks). */
  framesPerRun: number;
  /** Chunks whose text never came as a delta before run.completed (should be 0). */
  missedChunks: number;
  /** `delta.reset` frames (a retried model call; should be 0). */
  resets: number;
}

export interface StreamVariantFigures extends SystemFigures {
  delta: DeltaFigures;
  /** CPU ms per run summed over `flightdeckGroups`. */
  flightdeckCpuMsPerRun: number;
}

export interface StreamFigures {
  concurrency: number;
  chunks: number;
  chunkGapMs: number;
  answerChars: number;
  /** The answer in `chunks` deltas, one every `chunkGapMs`. */
  chunked: StreamVariantFigures;
  /** The same answer as one delta, sent when the chunked answer's last would be. */
  whole: StreamVariantFigures;
  /** chunked ÷ whole Flightdeck CPU per run, minus 1 (goal ≤ 0.05). */
  cpuOverhead: number;
}

interface DeltaCollector {
  latenciesMs: number[];
  frames: number;
  runs: number;
  missedChunks: number;
  resets: number;
}

const newCollector = (): DeltaCollector => ({ latenciesMs: [], frames: 0, runs: 0, missedChunks: 0, resets: 0 });

export const streamRunSpec = (model: string) => ({
  name: 'bench-stream',
  tags: ['bench'],
  input: 'Write a long answer.',
  agent: { model, instructions: 'Answer at length.', tools: [] },
});

/** Follows one run from seq 0 to run.completed, timing each chunk marker as its delta frame arrives. */
function followAnswer(subscriber: StreamSubscriber, runId: string, chunks: number, collector: DeltaCollector): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const seen = new Set<string>();
    let text = '';
    let scannedUpTo = 0;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      subscriber.listen(null);
      subscriber.unsubscribe(runId);
      if (error) return reject(error);
      collector.runs += 1;
      collector.missedChunks += chunks - seen.size;
      resolve();
    };
    const timer = setTimeout(() => finish(new Error(`run ${runId}: no run.completed within ${runTimeoutMs / 1000} s`)), runTimeoutMs);
    subscriber.listen((frame, receivedAt) => {
      if (frame.type === 'error') return finish(new Error(`run ${runId}: stream error ${JSON.stringify(frame.error)}`));
      if (frame.type === 'delta.reset' && frame.runId === runId) {
        collector.resets += 1;
        text = '';
        scannedUpTo = 0;
        return;
      }
      if (frame.type === 'delta' && frame.runId === runId) {
        collector.frames += 1;
        text += frame.text;
        // A marker split across frames counts when its frame completes it: when the user has all of it.
        chunkMarker.lastIndex = scannedUpTo;
        for (let match = chunkMarker.exec(text); match; match = chunkMarker.exec(text)) {
          scannedUpTo = chunkMarker.lastIndex;
          const [, index = '', sentAt = ''] = match;
          if (seen.has(index)) continue;
          seen.add(index);
          collector.latenciesMs.push(receivedAt - Number(sentAt));
        }
        return;
      }
      if (frame.type !== 'event' || frame.runId !== runId) return;
      const type = frame.event.type;
      if (type === 'run.failed' || type === 'run.cancelled' || type === 'run.terminated') return finish(new Error(`run ${runId} ended ${type}`));
      if (type === 'run.completed') finish();
    });
    subscriber.subscribe(runId, 0);
  });
}

function streamingSystem(endpoint: FlightdeckEndpoint, name: string, model: string, chunks: number, collector: DeltaCollector): RunSystem {
  return subscriberSystem(endpoint, name, async (subscriber) => followAnswer(subscriber, await postRun(endpoint, streamRunSpec(model)), chunks, collector));
}

const flightdeckCpu = (cpu: CpuTimes) =>
  roundTo(
    flightdeckGroups.reduce((sum, group) => sum + (cpu[group] ?? 0), 0),
    1,
  );

function deltaFigures(collector: DeltaCollector): DeltaFigures {
  return {
    latency: summarizeLatencies(collector.latenciesMs),
    framesPerRun: collector.runs > 0 ? roundTo(collector.frames / collector.runs, 1) : Number.NaN,
    missedChunks: collector.missedChunks,
    resets: collector.resets,
  };
}

export async function measureStreaming(options: {
  endpoint: FlightdeckEndpoint;
  model: PacedChatCompletionsServer;
  concurrency: number;
  windowMs: number;
  rounds: number;
  /** Chunks of an answer and the pause before each (ms); 100 and 20 unless given. */
  chunks?: number;
  chunkGapMs?: number;
  cpuTimes: () => Promise<CpuTimes>;
  log: (line: string) => void;
}): Promise<StreamFigures> {
  const chunks = options.chunks ?? defaultChunks;
  const chunkGapMs = options.chunkGapMs ?? defaultChunkGapMs;
  const models = { chunked: 'bench-stream-chunked', whole: 'bench-stream-whole' };
  options.model.answer(models.chunked, { chunks, gapMs: chunkGapMs, text: chunkText });
  options.model.answer(models.whole, { chunks, gapMs: chunkGapMs, text: chunkText, whole: true });
  const variants = (collectors: Record<'chunked' | 'whole', DeltaCollector>) => [
    streamingSystem(options.endpoint, 'chunked', models.chunked, chunks, collectors.chunked),
    streamingSystem(options.endpoint, 'whole', models.whole, chunks, collectors.whole),
  ];
  const cell = { steps: 1, concurrency: options.concurrency, windowMs: options.windowMs, rounds: options.rounds, cpuTimes: options.cpuTimes };
  // One run per user of each, not counted: the first agent runs pay the JIT's warm-up for their paths.
  await alternatingRounds(variants({ chunked: newCollector(), whole: newCollector() }), { ...cell, windowMs: 1, rounds: 1 });
  const collectors = { chunked: newCollector(), whole: newCollector() };
  const figures = await alternatingRounds(variants(collectors), cell);
  const variant = (name: 'chunked' | 'whole'): StreamVariantFigures => {
    const system = figures.get(name)!;
    return { ...system, delta: deltaFigures(collectors[name]), flightdeckCpuMsPerRun: flightdeckCpu(system.cpuMsPerRun) };
  };
  const chunked = variant('chunked');
  const whole = variant('whole');
  const cpuOverhead = whole.flightdeckCpuMsPerRun > 0 ? roundTo(chunked.flightdeckCpuMsPerRun / whole.flightdeckCpuMsPerRun - 1, 3) : Number.NaN;
  options.log(
    `C=${options.concurrency}: delta p50 ${chunked.delta.latency.p50Ms} ms, p99 ${chunked.delta.latency.p99Ms} ms over ${chunked.delta.latency.count} chunks; ` +
      `CPU ms per run ${chunked.flightdeckCpuMsPerRun} chunked, ${whole.flightdeckCpuMsPerRun} one chunk (${roundTo(cpuOverhead * 100, 1)} %)`,
  );
  return { concurrency: options.concurrency, chunks, chunkGapMs, answerChars: chunkText(0).length * chunks, chunked, whole, cpuOverhead };
}
