/**
 * The dashboard in the browser tests: Debian's Chromium (installed by apt when missing and we are
 * root), one `next build` per test run, and `next start` against a test API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../scripts/free-port';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const repoRoot = path.resolve(__dirname, '..');
const nextBin = require.resolve('next/dist/bin/next');
export const screenshotsDir = path.join(repoRoot, 'artifacts', 'screenshots');

/** Installs Debian's chromium when it is missing (root only, with apt's progress); a clear error otherwise. */
export function ensureChromium(): string {
  if (existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0) {
    throw new Error(`${chromiumPath} is missing and this is not root: install it with \`sudo apt-get update && sudo apt-get install -y chromium\`, then run the tests again`);
  }
  process.stderr.write('browser tests: installing Debian chromium (apt-get update && apt-get install -y chromium)…\n');
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status}); install chromium by hand`);
  }
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium but ${chromiumPath} is not there`);
  return chromiumPath;
}

const nextEnv = (extra: Record<string, string> = {}) => ({ ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...extra });

/**
 * `next build web` (once per test run: only the browser test file builds), output shown only on
 * failure. FLIGHTDECK_TEST_REUSE_WEB_BUILD=1 keeps an existing web/.next, for quick reruns while
 * working on the tests themselves.
 */
export function buildDashboard(): void {
  if (process.env.FLIGHTDECK_TEST_REUSE_WEB_BUILD === '1' && existsSync(path.join(repoRoot, 'web', '.next', 'BUILD_ID'))) return;
  const result = spawnSync(process.execPath, [nextBin, 'build', 'web'], { cwd: repoRoot, env: nextEnv({ NODE_ENV: 'production' }), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

export interface Dashboard {
  url: string;
  /** What `next start` printed so far (stdout and stderr): the dashboard's logs. */
  output(): string;
  stop(): Promise<void>;
}

/** `next start web` on a free port, against `apiUrl`; resolves once it answers. */
export async function startDashboard(env: { apiUrl: string; temporalUiUrl?: string }): Promise<Dashboard> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [nextBin, 'start', 'web', '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: repoRoot,
    env: nextEnv({ FLIGHTDECK_API_URL: env.apiUrl, TEMPORAL_UI_URL: env.temporalUiUrl ?? 'http://localhost:8233', NODE_ENV: 'production' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  if (process.env.FLIGHTDECK_TEST_VERBOSE) child.stderr?.pipe(process.stderr);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/sign-in`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`next start did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function ensureScreenshotsDir(): string {
  mkdirSync(screenshotsDir, { recursive: true });
  return screenshotsDir;
}
