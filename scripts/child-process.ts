import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const stopGraceMs = 10_000;
const OUTPUT_TAIL_LINES = 40;

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) when the child ends, for whatever reason. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Renders a pino JSON line as `level message key=value…`; other lines pass through unchanged. */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, process: _process, err, ...rest } = record;
    const fields = Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const error = err && typeof err === 'object' ? ` ${(err as { stack?: string; message?: string }).stack ?? (err as { message?: string }).message}` : '';
    return [levels[Number(level)] ?? String(level), String(msg ?? ''), ...fields].join(' ') + error;
  } catch {
    return line;
  }
}

/** Spawns a child whose output is prefixed with its name (`onOutputLine` sees each line as written); `stop()` sends SIGTERM, then SIGKILL after a grace period. */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; write: (line: string) => void; onOutputLine?: (line: string) => void },
): ManagedChild {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      options.onOutputLine?.(line);
      options.write(`[${name}] ${formatLogLine(line)}`);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => {
      options.write(`[${name}] could not start: ${error.message}`);
      resolve('spawn-error');
    });
  });
  let stopping: Promise<void> | null = null;
  return {
    name,
    process: child,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Forwards a child's output line by line and keeps the last lines for error messages. */
export function captureLines(child: ChildProcess, onLine: (line: string) => void): { tail(): string[] } {
  const lines: string[] = [];
  const take = (line: string) => {
    if (!line.trim()) return;
    lines.push(line);
    if (lines.length > OUTPUT_TAIL_LINES) lines.shift();
    onLine(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', take);
  }
  child.on('error', (error) => take(error.message));
  return { tail: () => [...lines] };
}

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

/** Resolves once, whether the child exits or could not be spawned at all. */
export function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: child.exitCode, signal: child.signalCode }));
  });
}
