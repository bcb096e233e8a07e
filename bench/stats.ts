/** Latency figures as the report shows them: nearest-rank percentiles over every sample, in ms. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile of ascending `sorted` (no interpolation: every figure is a real sample). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50Ms: roundTo(percentile(sorted, 0.5), 2),
    p99Ms: roundTo(percentile(sorted, 0.99), 2),
    maxMs: roundTo(sorted[sorted.length - 1] ?? Number.NaN, 2),
    meanMs: roundTo(sorted.length ? total / sorted.length : Number.NaN, 2),
  };
}

export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Elapsed milliseconds since `startedAt` (a performance.now() reading). */
export const msSince = (startedAt: number): number => performance.now() - startedAt;
