/**
 * `npm run replay` (scripts/replay.ts) as a child process: the committed histories replay against
 * the current code, a definition changed to call its tools in the other order is named as
 * nondeterministic at the history's event, a bad file is refused with what was expected, and
 * histories come from Temporal by workflow id or visibility query.
 */
import { Client, Connection } from '@temporalio/client';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historiesDirectory } from './history-fixtures';
import { startRun, waitForEnd } from './run-helpers';
import { linesStartingWith, runScript } from './run-script';
import { useTestStack } from './stack';
import { until } from './wait';

const repoRoot = path.resolve(__dirname, '..');
const fixtureDefinitions = path.join(repoRoot, 'test', 'fixtures', 'definitions');
// Bundling takes a while on a busy machine.
const replay = (args: string[], env: Record<string, string> = {}) =>
  runScript('replay', args, { FLIGHTDECK_DEFINITIONS_DIR: fixtureDefinitions, ...env }, { timeoutMs: 150_000 });

describe('npm run replay', () => {
  const stack = useTestStack();
  let scratch: string;
  beforeAll(async () => {
    // Inside the checkout, where `flightdeck` resolves for the loader (as for definitions/).
    scratch = await mkdtemp(path.join(repoRoot, '.data', 'replay-test-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('replays every committed history against the current code: one OK line each, exit 0', async () => {
    const result = await replay([historiesDirectory]);
    const files = (await readdir(historiesDirectory)).filter((file) => file.endsWith('.json'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^bundling workflows\/ with \d+ definitions: .*definitions\/echo-twice\.ts/);
    expect(linesStartingWith(result, 'OK ')).toHaveLength(files.length);
    expect(linesStartingWith(result, 'OK ')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^OK run_\w+ \(.*definition-fan-out\.json\): \d+ events$/)]),
    );
    expect(result.stdout).toContain(`replayed ${files.length} histories: ${files.length} ok, 0 nondeterministic, 0 failed`);
  }, 180_000);

  it('names the first call a reordered definition makes otherwise than its history, exit 1', async () => {
    const original = await readFile(path.join(fixtureDefinitions, 'wait-then-echo.ts'), 'utf8');
    const wait = "    await ctx.tool('builtin.wait', { seconds: 0 }, { step: 'wait' });\n";
    const echo = "    const echoed = await ctx.tool<{ word: string }>('builtin.echo', { word }, { step: 'echo' });\n";
    expect(original).toContain(wait + echo);
    const changed = path.join(scratch, 'reordered');
    await rm(changed, { recursive: true, force: true });
    await mkdir(changed);
    await writeFile(path.join(changed, 'wait-then-echo.ts'), original.replace(wait + echo, echo + wait));

    const result = await replay(
      [path.join(historiesDirectory, 'definition-wait-then-echo.json'), path.join(historiesDirectory, 'definition-echo-twice.json')],
      {
        FLIGHTDECK_DEFINITIONS_DIR: changed,
      },
    );
    expect(result.code).toBe(1);
    expect(linesStartingWith(result, 'NONDETERMINISTIC ')).toEqual([
      expect.stringMatching(
        /^NONDETERMINISTIC run_\w+ \(.*definition-wait-then-echo\.json\): event 10 \(activity #3\): the history has executeTool \(an activity\) for step "wait" \(builtin\.wait\); the code scheduled executeTool \(an activity\) for step "echo" \(builtin\.echo\)$/,
      ),
    ]);
    expect(linesStartingWith(result, 'OK ')).toEqual([expect.stringContaining('definition-echo-twice.json')]);
    expect(result.stdout).toContain('replayed 2 histories: 1 ok, 1 nondeterministic, 0 failed');
  }, 180_000);

  it('replays a definition whose new call is behind patched() cleanly; the same call unguarded is named', async () => {
    const original = await readFile(path.join(fixtureDefinitions, 'wait-then-echo.ts'), 'utf8');
    const firstCall = "    await ctx.tool('builtin.wait', { seconds: 0 }, { step: 'wait' });\n";
    const check = "await ctx.tool('builtin.echo', { checked: true }, { step: 'check' });\n";
    const variants = {
      guarded: original
        .replace("import { defineRun, z } from 'flightdeck';", "import { defineRun, patched, z } from 'flightdeck';")
        .replace(firstCall, `    if (patched('wait-then-echo-check')) ${check}${firstCall}`),
      unguarded: original.replace(firstCall, `    ${check}${firstCall}`),
    };
    const history = path.join(historiesDirectory, 'definition-wait-then-echo.json');
    const results: Record<string, Awaited<ReturnType<typeof replay>>> = {};
    for (const [name, source] of Object.entries(variants)) {
      expect(source).not.toBe(original);
      const dir = path.join(scratch, name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'wait-then-echo.ts'), source);
      results[name] = await replay([history], { FLIGHTDECK_DEFINITIONS_DIR: dir });
    }
    expect(results.guarded!.code).toBe(0);
    expect(linesStartingWith(results.guarded!, 'OK ')).toHaveLength(1);
    expect(results.unguarded!.code).toBe(1);
    expect(linesStartingWith(results.unguarded!, 'NONDETERMINISTIC ')).toEqual([
      expect.stringContaining(
        'the history has executeTool (an activity) for step "wait" (builtin.wait); the code scheduled executeTool (an activity) for step "check" (builtin.echo)',
      ),
    ]);
  }, 240_000);

  it('refuses a file that is not a history, saying what was expected, before bundling anything (exit 2)', async () => {
    const notJson = path.join(scratch, 'not-json.json');
    await writeFile(notJson, 'events: nope');
    const notHistory = path.join(scratch, 'not-history.json');
    await writeFile(notHistory, JSON.stringify({ workflowId: 'x' }));
    for (const [file, expected] of [
      [
        notJson,
        /^replay: .*not-json\.json is not JSON \(.*\): a workflow history is the JSON export one with `temporal workflow show --workflow-id <id> --output json > <file>\.json`$/,
      ],
      [notHistory, /^replay: .*not-history\.json is JSON but not a workflow history: expected an object with a non-empty "events" array/],
      [path.join(scratch, 'missing.json'), /^replay: .*missing\.json does not exist$/],
    ] as const) {
      const result = await replay([file]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim()).toMatch(expected);
    }
    const usage = await replay(['--from-temporal']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--from-temporal needs --workflow-id <id> or --query');
  }, 60_000);

  it('replays histories from Temporal, by workflow id and by visibility query', async () => {
    const runId = await startRun(stack, { definition: 'fan-out', input: { items: ['x', 'y', 'z'] } });
    await waitForEnd(stack, runId);
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection });
      const handle = client.workflow.getHandle(runId);
      await until(async () => (await handle.describe()).status.name, { message: `workflow ${runId} to close`, done: (status) => status === 'COMPLETED' });
      // Visibility is eventually consistent: wait until a list finds the closed workflow.
      await until(async () => (await client.workflow.count(`WorkflowId = '${runId}' AND ExecutionStatus = 'Completed'`)).count, {
        message: 'visibility to list the run',
        done: (count) => count === 1,
      });
    } finally {
      await connection.close();
    }
    const byId = await replay(['--from-temporal', '--workflow-id', runId]);
    expect(byId.code).toBe(0);
    expect(linesStartingWith(byId, 'OK ')).toEqual([expect.stringMatching(new RegExp(`^OK ${runId} \\(temporal:${runId}\\): \\d+ events$`))]);
    const byQuery = await replay(['--from-temporal', '--query', `WorkflowId = '${runId}'`]);
    expect(linesStartingWith(byQuery, 'OK ')).toHaveLength(1);
    expect(byQuery.code).toBe(0);
    expect(byQuery.stdout).toContain('replayed 1 history: 1 ok, 0 nondeterministic, 0 failed');
  }, 300_000);
});
