/**
 * The systems of the comparison behind one shape, and the closed-loop rounds that drive them:
 * C virtual users each start a run, wait until it is done, and start the next until the window shuts.
 */
import { msSince } from './stats';

export interface RunSession {
  /** Starts one run of `steps` steps and resolves once it has completed (and was checked). */
  runOnce(steps: number, user: number): Promise<void>;
  close(): Promise<void>;
}

export interface RunSystem {
  /** `temporal`, `flightdeck` and `dbos` in the matrix; the definitions phase names its own. */
  name: string;
  /** Per-user resources (e.g. one ws connection per virtual user) that outlive single runs. */
  open(concurrency: number): Promise<RunSession>;
}

export interface RoundResult {
  completed: number;
  failed: number;
  /** From the first start to the last completion; the window plus the drain of runs in flight. */
  wallMs: number;
  latenciesMs: number[];
  errors: string[];
}

/** No run starts after `windowMs` (but each user starts one); runs already started are awaited, so every latency is a whole run. */
export async function closedLoopRound(session: RunSession, options: { steps: number; concurrency: number; windowMs: number }): Promise<RoundResult> {
  const result: RoundResult = { completed: 0, failed: 0, wallMs: 0, latenciesMs: [], errors: [] };
  const startedAt = performance.now();
  const user = async (index: number) => {
    // do…while: every virtual user starts at least one run, however late the event loop lets it begin.
    do {
      const runStartedAt = performance.now();
      try {
        await session.runOnce(options.steps, index);
        result.latenciesMs.push(msSince(runStartedAt));
        result.completed += 1;
      } catch (error) {
        result.failed += 1;
        // A handful of messages is enough to see what went wrong; thousands would flood the report.
        if (result.errors.length < 5) result.errors.push(error instanceof Error ? error.message : String(error));
      }
    } while (msSince(startedAt) < options.windowMs);
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => user(index)));
  result.wallMs = msSince(startedAt);
  return result;
}
