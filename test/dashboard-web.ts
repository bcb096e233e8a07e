/**
 * The dashboard in the browser tests: Debian's Chromium (installed by apt when missing and we are
 * root), one `next build` per test run, and `next start` against a test API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port';
import { sleep } from './wait';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const repoRoot = path.resolve(__dirname, '..');
const nextBin = require.resolve('next/dist/bin/next');
export const screenshotsDir = path.join(repoRoot, 'artifacts', 'screenshots');

/** Installs Debian's chromium when it is missing (root only, with apt's progress); a clear error otherwise. */
export function ensureChromium(): string {
  if (existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${chromiumPath} is missing and this is not root: install it with \`sudo apt-get update && sudo apt-get install -y chromium\`, then run the tests again`,
    );
  }
  // Jest runs browser test files in parallel workers: one installs, the others wait for it (apt
  // would refuse them its lock) and then find chromium there.
  const lock = path.join(os.tmpdir(), 'flightdeck-chromium-install.lock');
  const waitUntil = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(chromiumPath)) return chromiumPath;
      if (Date.now() > waitUntil) throw new Error(`waited 10 min for another test's chromium install (${lock}); remove the lock if no install is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (existsSync(chromiumPath)) return chromiumPath;
    process.stderr.write('browser tests: installing Debian chromium (apt-get update && apt-get install -y chromium)…\n');
    for (const args of [['update'], ['install', '-y', 'chromium']]) {
      const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status}); install chromium by hand`);
    }
    if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium but ${chromiumPath} is not there`);
    return chromiumPath;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const nextEnv = (extra: Record<string, string> = {}) => ({ ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...extra });

function runNextBuild(): string | null {
  const result = spawnSync(process.execPath, [nextBin, 'build', 'web'], { cwd: repoRoot, env: nextEnv({ NODE_ENV: 'production' }), encoding: 'utf8' });
  return result.status === 0 ? null : `next build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`;
}

const buildWaitMs = 15 * 60_000;

/**
 * `next build web`, once per test run however many test files (Jest worker processes) ask: the
 * first takes a lock file in the run's state folder and builds, the others wait for its verdict.
 * Output shown only on failure. FLIGHTDECK_TEST_REUSE_WEB_BUILD=1 keeps an existing web/.next,
 * for quick reruns while working on the tests themselves.
 */
export async function buildDashboard(): Promise<void> {
  if (process.env.FLIGHTDECK_TEST_REUSE_WEB_BUILD === '1' && existsSync(path.join(repoRoot, 'web', '.next', 'BUILD_ID'))) return;
  const stateDir = process.env.FLIGHTDECK_TEST_STATE_DIR;
  if (!stateDir) {
    const failure = runNextBuild();
    if (failure) throw new Error(failure);
    return;
  }
  const verdictFile = path.join(stateDir, 'web-build.verdict');
  try {
    writeFileSync(path.join(stateDir, 'web-build.lock'), String(process.pid), { flag: 'wx' });
  } catch {
    const deadline = Date.now() + buildWaitMs;
    while (!existsSync(verdictFile)) {
      if (Date.now() > deadline) throw new Error(`another test file's next build gave no verdict within ${buildWaitMs / 60_000} min`);
      await sleep(500);
    }
    const verdict = readFileSync(verdictFile, 'utf8');
    if (verdict !== 'ok') throw new Error(verdict);
    return;
  }
  const failure = runNextBuild();
  // Written whole, then renamed, so a waiter never reads half a verdict.
  writeFileSync(`${verdictFile}.tmp`, failure ?? 'ok');
  renameSync(`${verdictFile}.tmp`, verdictFile);
  if (failure) throw new Error(failure);
}

export interface Dashboard {
  url: string;
  /** The process started: `next` itself, or npm (which execs it through `web:start`). It leads its own process group. */
  process: ChildProcess;
  /** What `next start` printed so far (stdout and stderr): the dashboard's logs. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The built dashboard on `port` (a free one by default), against `apiUrl`, started as `next start web` or as a
 * deployment does, `npm run web:start`; resolves once it answers.
 */
export async function startDashboard(
  env: { apiUrl: string; temporalUiUrl?: string; temporalUiOrigin?: string },
  options: { via?: 'next' | 'npm'; port?: number } = {},
): Promise<Dashboard> {
  const port = options.port ?? (await freePort());
  const serveArgs = ['--port', String(port), '--hostname', '127.0.0.1'];
  const [command, args] =
    options.via === 'npm' ? ['npm', ['run', 'web:start', '--', ...serveArgs]] : [process.execPath, [nextBin, 'start', 'web', ...serveArgs]];
  const child: ChildProcess = spawn(command, args, {
    cwd: repoRoot,
    env: nextEnv({
      FLIGHTDECK_API_URL: env.apiUrl,
      TEMPORAL_UI_URL: env.temporalUiUrl ?? 'http://localhost:8233',
      ...(env.temporalUiOrigin ? { TEMPORAL_UI_ORIGIN: env.temporalUiOrigin } : {}),
      NODE_ENV: 'production',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can tell that nothing of it is left.
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  if (process.env.FLIGHTDECK_TEST_VERBOSE) child.stderr?.pipe(process.stderr);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/sign-in`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      killGroup();
      throw new Error(`next start did not answer within 60 s:\n${output}`);
    }
    await sleep(200);
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(killGroup, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function ensureScreenshotsDir(): string {
  mkdirSync(screenshotsDir, { recursive: true });
  return screenshotsDir;
}
