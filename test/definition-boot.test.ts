/**
 * A definition the workflow sandbox cannot run stops the API and the worker at boot, before any
 * bundling, with one line naming the file and line — the same line from both.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

function runEntry(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', entry)], { env, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

describe('a definition that workflow code cannot run refuses the boot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-bad-definitions-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const refusals = async (file: string, source: string[]) => {
    await rm(path.join(dir, 'bad.ts'), { force: true });
    await rm(path.join(dir, 'broken.ts'), { force: true });
    await writeFile(path.join(dir, file), `${source.join('\n')}\n`);
    const env = { ...process.env, FLIGHTDECK_DEFINITIONS_DIR: dir, FLIGHTDECK_ADMIN_KEY: 'definition-boot-admin-key', API_PORT: '0', API_HOST: '127.0.0.1' };
    const [api, worker] = await Promise.all([runEntry('api/main.ts', env), runEntry('worker/main.ts', { ...env, TEMPORAL_TASK_QUEUE: 'definition-boot' })]);
    const lineOf = (stderr: string) => stderr.split('\n').filter((line) => line.trim());
    return { api: { code: api.code, lines: lineOf(api.stderr) }, worker: { code: worker.code, lines: lineOf(worker.stderr) } };
  };

  it('names the file and line of a Node built-in import, the same from the API and the worker', async () => {
    const { api, worker } = await refusals('bad.ts', [
      "import { defineRun, z } from 'flightdeck';",
      '',
      "import { readFileSync } from 'node:fs';",
      '',
      "export default defineRun({ name: 'reads-files', input: z.object({}), run: async () => ({ text: readFileSync('/etc/hostname', 'utf8') }) });",
    ]);
    const problem = `run definition ${path.join(dir, 'bad.ts')}:3: imports "node:fs", which workflow code cannot use (a Node built-in;`;
    expect(api.code).toBe(1);
    expect(worker.code).toBe(1);
    expect(api.lines).toEqual([expect.stringContaining(`flightdeck api failed: ${problem}`)]);
    expect(worker.lines).toEqual([expect.stringContaining(`flightdeck worker failed: ${problem}`)]);
    expect(api.lines[0]!.replace('flightdeck api failed: ', '')).toBe(worker.lines[0]!.replace('flightdeck worker failed: ', ''));
  }, 90_000);

  it('names the file and line of a syntax error', async () => {
    const { api, worker } = await refusals('broken.ts', [
      "import { defineRun, z } from 'flightdeck';",
      "export default defineRun({ name: 'broken', input: z.object({}), run: async () => { return { a: 1 ; } } });",
    ]);
    for (const [name, refused] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      expect(refused.code).toBe(1);
      expect(refused.lines).toEqual([`flightdeck ${name} failed: run definition ${path.join(dir, 'broken.ts')}:2: syntax error: ',' expected.`]);
    }
  }, 90_000);
});

describe('a definition folder outside the checkout', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-outside-definitions-'));
    await writeFile(
      path.join(dir, 'hello.ts'),
      [
        "import { defineRun, z } from 'flightdeck';",
        "export default defineRun({ name: 'outside-hello', input: z.object({ who: z.string() }), run: async (ctx, { who }) => ctx.tool('builtin.echo', { who }) });",
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loads in Node as the API and the worker load it, `flightdeck` resolving to the package', async () => {
    const loader = path.join(__dirname, '..', 'lib', 'definitions.ts');
    const script = `import(${JSON.stringify(loader)}).then(async (m) => { const { catalog } = await m.loadDefinitionCatalog(process.env.FLIGHTDECK_DEFINITIONS_DIR); console.log(JSON.stringify([...catalog.keys()].sort())); })`;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--eval', script],
        { env: { ...process.env, FLIGHTDECK_DEFINITIONS_DIR: dir }, timeout: 60_000 },
        (_error, out, err) => resolve({ stdout: out, stderr: err }),
      );
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual(expect.arrayContaining(['echo-twice', 'outside-hello']));
  }, 90_000);
});
