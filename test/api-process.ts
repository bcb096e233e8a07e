import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../scripts/free-port';
import { sleep } from './wait';

/**
 * The real API entry point (`node --import tsx api/main.ts`) as a child process; resolves once it
 * answers. `onOutput` gets everything it writes (pino on stdout, anything on stderr).
 */
export async function startApiProcess(
  env: NodeJS.ProcessEnv,
  options: { logLevel?: string; port?: number; onOutput?: (text: string) => void } = {},
): Promise<{ child: ChildProcess; url: string; wsUrl: string }> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'api', 'main.ts')], {
    env: { ...env, API_PORT: String(port), API_HOST: '127.0.0.1', LOG_LEVEL: options.logLevel ?? 'warn' },
    stdio: ['ignore', options.onOutput ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onOutput?.(chunk.toString());
  });
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url, wsUrl: `ws://127.0.0.1:${port}/v1/stream` };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || attempt > 600) throw new Error(`API process did not start: ${stderr}`);
    await sleep(100);
  }
}
