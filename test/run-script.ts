import { execFile } from 'node:child_process';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of our scripts as `npm run` would (`node --import tsx scripts/<name>.ts`), as a child process. */
export function runScript(script: string, args: string[], env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join('scripts', `${script}.ts`), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The script's stdout lines that start with `prefix` (its per-run report lines). */
export const linesStartingWith = (result: ScriptResult, prefix: string): string[] => result.stdout.split('\n').filter((line) => line.startsWith(prefix));
