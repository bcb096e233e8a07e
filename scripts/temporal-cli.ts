/**
 * Finds (or builds) the Temporal CLI and runs its dev server with Flightdeck's flags
 * (ARCHITECTURE.md, "Temporal dev server").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { SearchAttributeType, TypedSearchAttributes, defineSearchAttributeKey } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
const EXE_SUFFIX = process.platform === 'win32' ? '.exe' : '';
const BUILD_PROGRESS_EVERY_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_LINES = 40;

export type TemporalCli =
  | { kind: 'binary'; path: string; source: 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go-build' }
  | { kind: 'download' };

export interface FindTemporalCliOptions {
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Build with `go install` when nothing is found and Go is on PATH (default true). */
  allowBuild?: boolean;
  /** Fall back to `@temporalio/testing`, which downloads the CLI (default true). */
  allowDownload?: boolean;
}

export interface StartDevServerOptions {
  cli: TemporalCli;
  ip?: string;
  port: number;
  uiPort: number;
  dbFile: string;
  namespace?: string;
  log: (line: string) => void;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Registered at start so the Web UI and `temporal workflow list --query` can filter runs. */
export const flightdeckSearchAttributes = [
  defineSearchAttributeKey('FlightdeckStatus', SearchAttributeType.KEYWORD),
  defineSearchAttributeKey('FlightdeckTenant', SearchAttributeType.KEYWORD),
  defineSearchAttributeKey('FlightdeckTags', SearchAttributeType.KEYWORD_LIST),
];

/**
 * The dev server's one history shard polls each task queue at 20/s (~50 ms per dispatch), and
 * SQLite's default journaling caps the file DB at ~12 runs/s; both measured in ARCHITECTURE.md.
 */
export const devServerTuningArgs: readonly string[] = [
  ...['transfer', 'timer', 'visibility', 'outbound'].flatMap((queue) => [
    '--dynamic-config-value',
    `history.${queue}ProcessorMaxPollRPS=10000`,
  ]),
  ...['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'],
];

export function cachedCliPath(repoRoot: string): string {
  return path.join(repoRoot, '.tools', 'bin', `temporal${EXE_SUFFIX}`);
}

/** Resolution order: TEMPORAL_CLI, PATH, the repo cache, a Go build into the cache, download. */
export async function findTemporalCli(opts: FindTemporalCliOptions): Promise<TemporalCli> {
  const env = opts.env ?? process.env;
  const explicit = env.TEMPORAL_CLI?.trim();
  if (explicit) return { kind: 'binary', path: await requireExecutable(explicit), source: 'TEMPORAL_CLI' };

  const onPath = await findOnPath('temporal', env);
  if (onPath) return { kind: 'binary', path: onPath, source: 'PATH' };

  const cached = cachedCliPath(opts.repoRoot);
  if (await isExecutableFile(cached)) return { kind: 'binary', path: cached, source: 'cache' };

  const goPath = await findOnPath('go', env);
  const reasons = [`no temporal on PATH or in ${cached}`];
  if (!(opts.allowBuild ?? true)) reasons.push('building with Go is disabled here');
  else if (!goPath) reasons.push('Go is not on PATH');
  else if (await buildWithGo({ goPath, binary: cached, env, log: opts.log })) {
    return { kind: 'binary', path: cached, source: 'go-build' };
  } else reasons.push('go install failed (output above)');

  if (opts.allowDownload ?? true) {
    opts.log(`Temporal CLI: ${reasons.join('; ')} — @temporalio/testing will download it.`);
    return { kind: 'download' };
  }
  throw new Error(noCliMessage(opts.repoRoot, reasons));
}

function noCliMessage(repoRoot: string, reasons: string[]): string {
  return [
    `Could not find the Temporal CLI (${reasons.join('; ')}). Any one of these fixes it:`,
    '  - set TEMPORAL_CLI=/path/to/temporal',
    '  - put `temporal` on PATH (https://docs.temporal.io/cli#install)',
    `  - install Go (https://go.dev/dl); Flightdeck then builds the CLI into ${path.dirname(cachedCliPath(repoRoot))}`,
    '  - set TEMPORAL_ADDRESS=host:port to use an existing Temporal server',
  ].join('\n');
}

/** A wrong TEMPORAL_CLI is a user mistake worth stopping for, not a cue to guess another binary. */
async function requireExecutable(configured: string): Promise<string> {
  const resolved = path.resolve(configured);
  const info = await stat(resolved).catch(() => undefined);
  const problem = !info
    ? 'no file exists there'
    : !info.isFile()
      ? 'it is not a file'
      : !(await isExecutableFile(resolved))
        ? 'it is not executable (chmod +x it)'
        : undefined;
  if (problem) {
    throw new Error(
      `TEMPORAL_CLI is set to "${configured}", but ${problem}. Point it at the temporal binary, or unset it.`,
    );
  }
  return resolved;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    await access(file, fsConstants.X_OK);
    return info.isFile();
  } catch {
    return false;
  }
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  // Empty entries would mean "the current directory": never resolve binaries from there.
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, `${name}${EXE_SUFFIX}`);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

interface GoBuild {
  goPath: string;
  binary: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

async function buildWithGo(opts: GoBuild): Promise<boolean> {
  const binDir = path.dirname(opts.binary);
  await mkdir(binDir, { recursive: true });
  opts.log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${binDir}.`);
  opts.log('This takes a few minutes the first time; the binary is cached there for next time.');
  const startedAt = Date.now();
  const elapsed = () => `${Math.round((Date.now() - startedAt) / 1000)}s`;
  const ticker = setInterval(() => opts.log(`still building… ${elapsed()}`), BUILD_PROGRESS_EVERY_MS);
  try {
    const child = spawn(opts.goPath, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...opts.env, GOBIN: binDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = captureLines(child, () => undefined);
    const { code } = await waitForExit(child);
    if (code === 0 && (await isExecutableFile(opts.binary))) {
      opts.log(`Built ${opts.binary} in ${elapsed()}.`);
      return true;
    }
    opts.log(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code ?? 'none'}) after ${elapsed()}:`);
    for (const line of output.tail()) opts.log(`  ${line}`);
    return false;
  } finally {
    clearInterval(ticker);
  }
}

/** Forwards a child's output line by line and keeps the last lines for error messages. */
function captureLines(child: ChildProcess, onLine: (line: string) => void): { tail(): string[] } {
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

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

/** Resolves once, whether the child exits or could not be spawned at all. */
function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: child.exitCode, signal: child.signalCode }));
  });
}

export async function startTemporalDevServer(opts: StartDevServerOptions): Promise<TemporalDevServer> {
  const settings = { ...opts, ip: opts.ip ?? '127.0.0.1', namespace: opts.namespace ?? 'default' };
  // start-dev refuses a db file whose directory does not exist.
  await mkdir(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  return opts.cli.kind === 'binary'
    ? startBinaryDevServer(opts.cli.path, settings)
    : startDownloadedDevServer(settings);
}

type DevServerSettings = Omit<StartDevServerOptions, 'cli'> & { ip: string; namespace: string };

function devServerArgs(s: DevServerSettings): string[] {
  return [
    ...['server', 'start-dev', '--ip', s.ip, '--port', String(s.port), '--ui-port', String(s.uiPort)],
    ...['--db-filename', s.dbFile, '--namespace', s.namespace, '--log-level', 'warn'],
    ...flightdeckSearchAttributes.flatMap(({ name, type }) => [
      '--search-attribute',
      `${name}=${TypedSearchAttributes.toMetadataType(type)}`,
    ]),
    ...devServerTuningArgs,
  ];
}

async function startBinaryDevServer(cliPath: string, s: DevServerSettings): Promise<TemporalDevServer> {
  const address = hostPort(s.ip, s.port);
  s.log(`[temporal] starting ${cliPath} server start-dev on ${address} (db ${s.dbFile})`);
  const child = spawn(cliPath, devServerArgs(s), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stopping: Promise<void> | undefined;
  // Shutdown prints a burst of dial/poll warnings that mean nothing once we asked it to stop.
  const output = captureLines(child, (line) => {
    if (!stopping) s.log(`[temporal] ${line}`);
  });
  const exited = waitForExit(child);
  // Last resort against an orphaned server when the parent exits without calling stop().
  const killOnParentExit = () => child.kill('SIGKILL');
  process.on('exit', killOnParentExit);

  const stop = () => (stopping ??= terminate(child, exited).finally(() => process.off('exit', killOnParentExit)));
  let ready = false;
  void exited.then((info) => {
    if (ready && !stopping) s.log(`[temporal] dev server exited unexpectedly (${describeExit(info)})`);
  });

  const abort = new AbortController();
  const exitedEarly = exited.then((info) => {
    abort.abort();
    const tail = output.tail().join('\n') || '(no output)';
    throw new Error(`Temporal dev server exited before it was ready (${describeExit(info)}). Output:\n${tail}`);
  });
  const readiness = { searchAttributes: true, signal: abort.signal };
  const becameReady = waitForTemporal(address, s.namespace, READY_TIMEOUT_MS, readiness);
  try {
    await Promise.race([becameReady, exitedEarly]);
  } catch (error) {
    await stop();
    throw error;
  }
  ready = true;
  s.log(`[temporal] ready at ${address}`);
  return { address, uiUrl: `http://${hostPort(s.ip, s.uiPort)}`, stop };
}

async function terminate(child: ChildProcess, exited: Promise<ExitInfo>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const forceKill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(forceKill);
  }
}

async function startDownloadedDevServer(s: DevServerSettings): Promise<TemporalDevServer> {
  s.log('[temporal] starting the dev server through @temporalio/testing (it downloads the CLI on first use)…');
  // Loaded lazily: it pulls in the native worker runtime, which only this path needs.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: s.ip,
      port: s.port,
      ui: true, // explicit: in 1.24 the typings and the JS default disagree on whether uiPort implies it
      uiPort: s.uiPort,
      dbFilename: s.dbFile,
      namespace: s.namespace,
      searchAttributes: flightdeckSearchAttributes,
      extraArgs: [...devServerTuningArgs],
    },
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= env.teardown());
  try {
    await waitForTemporal(env.address, s.namespace, READY_TIMEOUT_MS, { searchAttributes: true });
  } catch (error) {
    await stop();
    throw error;
  }
  s.log(`[temporal] ready at ${env.address}`);
  return { address: env.address, uiUrl: `http://${hostPort(s.ip, s.uiPort)}`, stop };
}

/**
 * Waits until the server answers for `namespace`. With `searchAttributes`, also requires
 * Flightdeck's search attributes; their absence fails at once, since waiting cannot fix it.
 */
export async function waitForTemporal(
  address: string,
  namespace: string,
  timeoutMs: number,
  opts: { searchAttributes?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline && !opts.signal?.aborted) {
    // lazy + ensureConnected rather than connect(), so a failed attempt's channel can be closed.
    const connection = Connection.lazy({ address, connectTimeout: 1_000 });
    try {
      await connection.ensureConnected();
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      lastError = error;
      await connection.close();
      await sleep(250);
      continue;
    }
    try {
      if (opts.searchAttributes) await assertSearchAttributes(connection, namespace);
      return;
    } finally {
      await connection.close();
    }
  }
  const reason = lastError instanceof Error ? lastError.message : 'aborted';
  const waited = `${Math.round(timeoutMs / 1000)}s`;
  throw new Error(`Temporal at ${address} (namespace "${namespace}") was not ready after ${waited}: ${reason}`);
}

async function assertSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = flightdeckSearchAttributes.filter(
    ({ name, type }) => customAttributes[name] !== encodeSearchAttributeIndexedValueType(type),
  );
  if (missing.length === 0) return;
  const wanted = missing.map(({ name, type }) => `${name} (${TypedSearchAttributes.toMetadataType(type)})`);
  // start-dev registers attributes only when it creates the namespace, so an older db file lacks new ones.
  throw new Error(
    `Namespace "${namespace}" lacks search attributes ${wanted.join(', ')}. Delete the dev server's db file ` +
      'to recreate it, or add them with `temporal operator search-attribute create`.',
  );
}

function describeExit({ code, signal }: ExitInfo): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

/** Brackets IPv6 literals, and names a reachable host when bound to every interface. */
function hostPort(ip: string, port: number): string {
  const host = ip === '0.0.0.0' ? '127.0.0.1' : ip === '::' ? '::1' : ip;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
