/**
 * Finds (or builds) the Temporal CLI: TEMPORAL_CLI, PATH, the repo cache, a Go build, or the
 * download of @temporalio/testing. The dev server itself is in temporal-dev-server.ts.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { captureLines, waitForExit } from './child-process';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
const EXE_SUFFIX = process.platform === 'win32' ? '.exe' : '';
const BUILD_PROGRESS_EVERY_MS = 15_000;

export type TemporalCli = { kind: 'binary'; path: string; source: 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go-build' } | { kind: 'download' };

export interface FindTemporalCliOptions {
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Build with `go install` when nothing is found and Go is on PATH (default true). */
  allowBuild?: boolean;
  /** Fall back to `@temporalio/testing`, which downloads the CLI (default true). */
  allowDownload?: boolean;
}

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
    throw new Error(`TEMPORAL_CLI is set to "${configured}", but ${problem}. Point it at the temporal binary, or unset it.`);
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
