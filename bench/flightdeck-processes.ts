/**
 * The Flightdeck API and worker as the child processes production runs (`node --import tsx
 * api/main.ts`, `worker/main.ts`), so their RSS is their own (read from /proc/<pid>/status) and the
 * benchmark's clients do not share their event loop.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnManaged, type ManagedChild } from '../scripts/child-process';
import { freePort } from '../scripts/free-port';

const repoRoot = path.resolve(__dirname, '..');
const readyTimeoutMs = 60_000;
export const benchDefinitionsDir = 'bench/definitions';

export interface FlightdeckProcessEnv {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  workflowBundlePath: string;
  adminKey: string;
  /** The model provider double's base URL, as MODEL_BASE_URL (the stream part's agent runs). */
  modelBaseUrl?: string;
}

export interface ChildMemory {
  rssMb: number;
  /** The kernel's high-water mark of the process's RSS (VmHWM). */
  peakRssMb: number;
}

export interface FlightdeckChild {
  child: ManagedChild;
  memory(): Promise<ChildMemory>;
  stop(): Promise<void>;
}

export interface ApiChild extends FlightdeckChild {
  apiUrl: string;
  wsUrl: string;
}

function childEnv(env: FlightdeckProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    // The bench measures what production runs: no schema check per appended event.
    FLIGHTDECK_VALIDATE_EVENTS: 'false',
    LOG_LEVEL: 'warn',
    DATABASE_URL: env.databaseUrl,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_NAMESPACE: env.namespace,
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    WORKFLOW_BUNDLE_PATH: env.workflowBundlePath,
    // The bench's own definitions (bench/definitions/) besides the shipped ones; the bundle holds both.
    FLIGHTDECK_DEFINITIONS_DIR: benchDefinitionsDir,
    ...(env.modelBaseUrl ? { MODEL_BASE_URL: env.modelBaseUrl } : {}),
    ...extra,
  };
}

/** BENCH_PROFILE_DIR: the children write V8 CPU profiles there when they exit (`node --cpu-prof`). */
function profilingArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

function spawnEntry(name: string, entry: string, env: NodeJS.ProcessEnv, log: (line: string) => void, onLine?: (line: string) => void) {
  const child = spawnManaged(name, process.execPath, [...profilingArgs(), '--import', 'tsx', path.join(repoRoot, entry)], {
    cwd: repoRoot,
    env,
    write: (line) => {
      onLine?.(line);
      log(line);
    },
  });
  // Last resort against an orphan when the bench exits without stopping it (Ctrl-C, a crash).
  const killOnExit = () => child.process.kill('SIGKILL');
  process.on('exit', killOnExit);
  void child.exited.then(() => process.off('exit', killOnExit));
  const memory = () => readChildMemory(child.process.pid);
  return { child, memory, stop: () => child.stop() };
}

/**
 * An API process acting for `tenantId`; resolves once /readyz says Postgres and Temporal answer.
 * `combined`: the API and the worker in one process (worker/combined-main.ts, `npm start`'s
 * default), so runs start eagerly.
 */
export async function startApiProcess(
  env: FlightdeckProcessEnv,
  tenantId: string,
  log: (line: string) => void,
  shape: 'api' | 'combined' = 'api',
): Promise<ApiChild> {
  const port = await freePort();
  const entry = shape === 'combined' ? 'worker/combined-main.ts' : 'api/main.ts';
  const api = spawnEntry(
    shape === 'combined' ? 'api+worker' : 'api',
    entry,
    childEnv(env, {
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      FLIGHTDECK_ADMIN_KEY: env.adminKey,
      FLIGHTDECK_DEFAULT_TENANT: tenantId,
      // The bench measures capacity with one key: the per-key rate limit would measure itself.
      FLIGHTDECK_RATE_LIMIT_PER_MINUTE: '0',
    }),
    log,
  );
  const apiUrl = `http://127.0.0.1:${port}`;
  try {
    await untilReady(api.child, async () => (await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200);
  } catch (error) {
    await api.stop();
    throw error;
  }
  return { ...api, apiUrl, wsUrl: `ws://127.0.0.1:${port}/v1/stream` };
}

/** A worker process; ready once it logs that it started (LOG_LEVEL=info for that one line). */
export async function startWorkerProcess(env: FlightdeckProcessEnv, log: (line: string) => void): Promise<FlightdeckChild> {
  let started = false;
  const worker = spawnEntry('worker', 'worker/main.ts', childEnv(env, { LOG_LEVEL: 'info' }), log, (line) => {
    if (line.includes('worker started')) started = true;
  });
  try {
    await untilReady(worker.child, async () => started);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

async function untilReady(child: ManagedChild, isReady: () => Promise<boolean>): Promise<void> {
  let exitCode: number | string | null = null;
  void child.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitCode !== null) throw new Error(`${child.name} exited (${exitCode}) before it was ready`);
    if (await isReady().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready within ${readyTimeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** VmRSS and VmHWM of a process, in MiB (Linux /proc; NaN elsewhere). */
export async function readChildMemory(pid: number | undefined): Promise<ChildMemory> {
  const status = pid === undefined ? '' : await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: Math.round(kib('VmRSS') / 1024), peakRssMb: Math.round(kib('VmHWM') / 1024) };
}
