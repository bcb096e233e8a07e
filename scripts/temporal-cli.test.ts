import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cachedCliPath, findTemporalCli } from './temporal-cli';

/** Each test gets a fake repo root and empty bin dirs; nothing from the real PATH leaks in. */
let sandbox: string;
let repoRoot: string;
let logLines: string[];
const log = (line: string) => void logLines.push(line);

beforeEach(async () => {
  sandbox = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-temporal-cli-'));
  repoRoot = path.join(sandbox, 'repo');
  await mkdir(repoRoot);
  logLines = [];
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

async function writeScript(file: string, body = 'exit 0', mode = 0o755): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, mode);
  return file;
}

async function binDirWith(name: string, ...scripts: Array<{ file: string; body?: string }>): Promise<string> {
  const dir = path.join(sandbox, name);
  await mkdir(dir, { recursive: true });
  for (const script of scripts) await writeScript(path.join(dir, script.file), script.body);
  return dir;
}

describe('findTemporalCli', () => {
  it('prefers TEMPORAL_CLI over PATH and the cache', async () => {
    const explicit = await writeScript(path.join(sandbox, 'custom', 'temporal'));
    const pathDir = await binDirWith('path-bin', { file: 'temporal' });
    await writeScript(cachedCliPath(repoRoot));

    const cli = await findTemporalCli({ repoRoot, log, env: { TEMPORAL_CLI: explicit, PATH: pathDir } });

    expect(cli).toEqual({ kind: 'binary', path: explicit, source: 'TEMPORAL_CLI' });
  });

  it('rejects a TEMPORAL_CLI that points to a missing file instead of falling through', async () => {
    const pathDir = await binDirWith('path-bin', { file: 'temporal' });
    const missing = path.join(sandbox, 'nowhere', 'temporal');

    await expect(findTemporalCli({ repoRoot, log, env: { TEMPORAL_CLI: missing, PATH: pathDir } })).rejects.toThrow(
      `TEMPORAL_CLI is set to "${missing}", but no file exists there`,
    );
  });

  it('rejects a TEMPORAL_CLI that is not executable', async () => {
    const notExecutable = await writeScript(path.join(sandbox, 'temporal'), 'exit 0', 0o644);

    await expect(findTemporalCli({ repoRoot, log, env: { TEMPORAL_CLI: notExecutable } })).rejects.toThrow('it is not executable');
  });

  it('prefers temporal on PATH over the cache', async () => {
    const emptyDir = await binDirWith('empty-bin');
    const pathDir = await binDirWith('path-bin', { file: 'temporal' });
    await writeScript(cachedCliPath(repoRoot));

    const cli = await findTemporalCli({ repoRoot, log, env: { PATH: [emptyDir, pathDir].join(path.delimiter) } });

    expect(cli).toEqual({ kind: 'binary', path: path.join(pathDir, 'temporal'), source: 'PATH' });
  });

  it('uses the cache when PATH has no temporal', async () => {
    const goDir = await binDirWith('go-bin', { file: 'go', body: 'exit 1' });
    const cached = await writeScript(cachedCliPath(repoRoot));

    const cli = await findTemporalCli({ repoRoot, log, env: { PATH: goDir }, allowDownload: false });

    expect(cli).toEqual({ kind: 'binary', path: cached, source: 'cache' });
  });

  it('builds into the cache with go install when go is on PATH', async () => {
    // A stand-in for `go install`: writes an executable where GOBIN says, as the real one does.
    const fakeGo = `echo "$@" > "$GOBIN/go-args"\nprintf '#!/bin/sh\\n' > "$GOBIN/temporal"\n/bin/chmod +x "$GOBIN/temporal"`;
    const goDir = await binDirWith('go-bin', { file: 'go', body: fakeGo });

    const cli = await findTemporalCli({ repoRoot, log, env: { PATH: goDir }, allowDownload: false });

    expect(cli).toEqual({ kind: 'binary', path: cachedCliPath(repoRoot), source: 'go-build' });
    const goArgs = await readFile(path.join(path.dirname(cachedCliPath(repoRoot)), 'go-args'), 'utf8');
    expect(goArgs.trim()).toBe('install github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(logLines.join('\n')).toContain('takes a few minutes the first time');
    const again = await findTemporalCli({ repoRoot, log, env: { PATH: goDir }, allowDownload: false });
    expect(again).toMatchObject({ source: 'cache' });
  });

  it('shows the go output and names every option when the build fails', async () => {
    const goDir = await binDirWith('go-bin', { file: 'go', body: 'echo "go: module lookup disabled" >&2\nexit 1' });

    const found = findTemporalCli({ repoRoot, log, env: { PATH: goDir }, allowDownload: false });

    await expect(found).rejects.toThrow('go install failed');
    expect(logLines.join('\n')).toContain('go: module lookup disabled');
  });

  it('falls back to the download when nothing local works and downloads are allowed', async () => {
    const emptyDir = await binDirWith('empty-bin');

    await expect(findTemporalCli({ repoRoot, log, env: { PATH: emptyDir } })).resolves.toEqual({ kind: 'download' });
  });

  it('names every option when there is neither temporal nor go and downloads are off', async () => {
    const emptyDir = await binDirWith('empty-bin');

    const error = await findTemporalCli({ repoRoot, log, env: { PATH: emptyDir }, allowDownload: false }).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );

    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    for (const option of ['TEMPORAL_CLI', '`temporal` on PATH', 'install Go', 'TEMPORAL_ADDRESS']) {
      expect(message).toContain(option);
    }
    expect(message).toContain('Go is not on PATH');
  });
});
