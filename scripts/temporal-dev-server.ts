/**
 * Runs `temporal server start-dev` with Flightdeck's flags (docs/architecture.md, "Temporal dev server")
 * and waits until it serves the namespace with Flightdeck's search attributes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { flightdeckSearchAttributes } from '../lib/search-attributes';
import { captureLines, waitForExit, type ExitInfo } from './child-process';
import type { TemporalCli } from './temporal-cli';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface StartDevServerOptions {
  cli: TemporalCli;
  ip?: string;
  port: number;
  uiPort: number;
  dbFile: string;
  namespace?: string;
  /** The Web UI's remote codec endpoint (`--ui-codec-endpoint`): the dashboard's `/api/codec`, so it can show payloads decrypted. */
  uiCodecEndpoint?: string;
  /** Flightdeck's flags (default), or none: start-dev's defaults, which the bench measures against. */
  tuningArgs?: readonly string[];
  log: (line: string) => void;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * The dev server's one history shard polls each task queue at 20/s (~50 ms per dispatch), and
 * SQLite's default journaling caps the file DB at ~12 runs/s; both measured in docs/architecture.md.
 */
export const devServerTuningArgs: readonly string[] = [
  ...['transfer', 'timer', 'visibility', 'outbound'].flatMap((queue) => ['--dynamic-config-value', `history.${queue}ProcessorMaxPollRPS=10000`]),
  ...['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'],
];

export async function startTemporalDevServer(opts: StartDevServerOptions): Promise<TemporalDevServer> {
  const settings = { ...opts, ip: opts.ip ?? '127.0.0.1', namespace: opts.namespace ?? 'default', tuningArgs: opts.tuningArgs ?? devServerTuningArgs };
  // start-dev refuses a db file whose directory does not exist.
  await mkdir(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  return opts.cli.kind === 'binary' ? startBinaryDevServer(opts.cli.path, settings) : startDownloadedDevServer(settings);
}

type DevServerSettings = Omit<StartDevServerOptions, 'cli'> & { ip: string; namespace: string; tuningArgs: readonly string[] };

function devServerArgs(s: DevServerSettings): string[] {
  return [
    ...['server', 'start-dev', '--ip', s.ip, '--port', String(s.port), '--ui-port', String(s.uiPort)],
    ...['--db-filename', s.dbFile, '--namespace', s.namespace, '--log-level', 'warn'],
    ...flightdeckSearchAttributes.flatMap(({ name, type }) => ['--search-attribute', `${name}=${TypedSearchAttributes.toMetadataType(type)}`]),
    ...uiCodecArgs(s),
    ...s.tuningArgs,
  ];
}

/**
 * start-dev has no flag for the UI's `codec.includeCredentials` (CLI 1.5 to 1.8): its Web UI calls
 * this endpoint without cookies until a user turns on "Include cross-origin credentials" in its
 * Codec Server settings (docs/security.md, "Payload encryption").
 */
const uiCodecArgs = (s: Pick<DevServerSettings, 'uiCodecEndpoint'>) => (s.uiCodecEndpoint ? ['--ui-codec-endpoint', s.uiCodecEndpoint] : []);

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
      extraArgs: [...uiCodecArgs(s), ...s.tuningArgs],
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

/** Waits until the server answers for `namespace`; with `searchAttributes`, also ensures Flightdeck's. */
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
      if (opts.searchAttributes) await ensureSearchAttributes(connection, namespace);
      return;
    } finally {
      await connection.close();
    }
  }
  const reason = lastError instanceof Error ? lastError.message : 'aborted';
  const waited = `${Math.round(timeoutMs / 1000)}s`;
  throw new Error(`Temporal at ${address} (namespace "${namespace}") was not ready after ${waited}: ${reason}`);
}

/**
 * start-dev registers `--search-attribute`s only when it creates the namespace, so a db file from an
 * older Flightdeck lacks newer ones: add what is missing rather than make the user delete their data.
 */
async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = flightdeckSearchAttributes.filter(({ name }) => customAttributes[name] === undefined);
  const mistyped = flightdeckSearchAttributes.filter(
    ({ name, type }) => customAttributes[name] !== undefined && customAttributes[name] !== encodeSearchAttributeIndexedValueType(type),
  );
  if (mistyped.length > 0) {
    const wanted = mistyped.map(({ name, type }) => `${name} (${TypedSearchAttributes.toMetadataType(type)})`);
    throw new Error(`namespace "${namespace}" has search attributes of the wrong type: ${wanted.join(', ')}; delete the dev server's db file`);
  }
  if (missing.length === 0) return;
  const searchAttributes: Record<string, NonNullable<ReturnType<typeof encodeSearchAttributeIndexedValueType>>> = {};
  for (const { name, type } of missing) {
    const encoded = encodeSearchAttributeIndexedValueType(type);
    if (encoded !== undefined) searchAttributes[name] = encoded;
  }
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

function describeExit({ code, signal }: ExitInfo): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

/** Brackets IPv6 literals, and names a reachable host when bound to every interface. */
function hostPort(ip: string, port: number): string {
  const host = ip === '0.0.0.0' ? '127.0.0.1' : ip === '::' ? '::1' : ip;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
