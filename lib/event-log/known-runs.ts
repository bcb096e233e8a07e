import type { RunProjection } from '../run-projection';

interface KnownRun {
  run: RunProjection;
  storedKeys: Set<string>;
}

/**
 * Each run's projection as this process last wrote it (or found it under lock), and dedupe keys
 * it knows are stored for the run: what an optimistic append expects and may skip. Most appends
 * to a run come from the process that made the one before (a run's steps on its worker; in the
 * combined process, the API's `run.created` too, which the workflow's first append repeats).
 * Bounded; a run that ended or was not seen lately takes the locked path. Stored facts are never
 * removed, so a key once known stays true.
 */
export class KnownRuns {
  private readonly runs = new Map<string, KnownRun>();

  constructor(private readonly limits: { runs: number; keysPerRun: number } = { runs: 1_000, keysPerRun: 500 }) {}

  get(runId: string): Readonly<KnownRun> | undefined {
    return this.runs.get(runId);
  }

  remember(run: RunProjection, storedKeys: Iterable<string>): void {
    const previous = this.runs.get(run.id);
    this.runs.delete(run.id);
    if (run.completedAt !== null) return;
    const keys = previous && previous.storedKeys.size < this.limits.keysPerRun ? previous.storedKeys : new Set<string>();
    for (const key of storedKeys) keys.add(key);
    this.runs.set(run.id, { run, storedKeys: keys });
    if (this.runs.size > this.limits.runs) this.runs.delete(this.runs.keys().next().value!);
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }
}
