import path from 'node:path';
import { spawnManaged } from '../scripts/child-process';

const repoRoot = path.resolve(__dirname, '..');

export interface WorkerProcess {
  /** Whether it ended without being told to (a crash the test should report). */
  hasCrashed(): boolean;
  /** kill -9: no drain, no goodbye to Temporal, in-flight attempts lost mid-way. */
  kill9(): Promise<void>;
  /** SIGTERM (the worker drains), SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Its last output lines, for failure messages. */
  outputTail(): string[];
  /** Every line it wrote, as written (pino JSON lines unformatted). */
  rawOutput(): string[];
}

/** The real worker entry point (`node --import tsx worker/main.ts`) as a child process on `taskQueue`. */
export function startWorkerProcess(taskQueue: string, env: Record<string, string> = {}): WorkerProcess {
  const lines: string[] = [];
  const rawLines: string[] = [];
  const child = spawnManaged('worker', process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: repoRoot,
    // DATABASE_URL, TEMPORAL_ADDRESS and WORKFLOW_BUNDLE_PATH come from global-setup via process.env.
    // LOG_LEVEL warn unless the test asks for the worker's info lines.
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, TEMPORAL_TASK_QUEUE: taskQueue },
    onOutputLine: (line) => rawLines.push(line),
    write: (line) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
    },
  });
  let exited = false;
  let ended = false;
  void child.exited.then(() => (exited = true));
  return {
    hasCrashed: () => exited && !ended,
    async kill9() {
      ended = true;
      child.process.kill('SIGKILL');
      await child.exited;
    },
    stop() {
      ended = true;
      return child.stop();
    },
    outputTail: () => [...lines],
    rawOutput: () => [...rawLines],
  };
}
