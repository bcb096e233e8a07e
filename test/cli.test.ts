import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useTestStack } from './stack';
import { sleep } from './wait';

const bin = path.resolve(__dirname, '..', 'bin', 'flightdeck.mjs');
const runIdLine = /^run_[0-9A-Za-z]+\n$/;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real `flightdeck` bin as a child process, the way a user runs it. */
function flightdeck(args: string[], options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Event lines (`seq type summary`) as [seq, type]. */
const eventLines = (stdout: string) =>
  stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s{2}(\S+)/.exec(line))
    .flatMap((match) => (match ? [[Number(match[1]), match[2]] as const] : []));

describe('the flightdeck CLI (bin/flightdeck.mjs) against the real API', () => {
  let env: Record<string, string | undefined>;
  let specDir: string;
  const cli = (args: string[], input?: string) => flightdeck(args, { env, input });

  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        for (const id of ['cli-hourly', 'cli-new-year']) await stack?.client.deleteSchedule(id).catch(() => undefined);
      },
    },
  );
  beforeAll(async () => {
    env = { PATH: process.env.PATH, FLIGHTDECK_API_URL: stack.apiUrl, FLIGHTDECK_API_KEY: stack.adminKey };
    specDir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-cli-'));
  });

  it("starts a definition with its input; input its schema refuses is the API's 400, printed", async () => {
    const started = await cli(['runs', 'start', 'echo-twice', '--input', '{"word":"cli"}']);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const runId = started.stdout.trim();
    const watched = await cli(['runs', 'watch', runId]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/run\.completed\s+output \{"joined":"cli-CLI"\}/);

    const refused = await cli(['runs', 'start', 'echo-twice', '--input', '{"word":""}']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('input does not fit the definition "echo-twice"');
    expect(refused.stderr).toContain('input.word');
    const notJson = await cli(['runs', 'start', 'echo-twice', '--input', '{word']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--input must be JSON');
  });

  it('starts an echo plan, watches it to completion, lists and shows it', async () => {
    const started = await cli(['runs', 'start', '--plan-echo', 'hi']);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(runIdLine);
    const runId = started.stdout.trim();

    const watched = await cli(['runs', 'watch', runId]);
    expect(watched.code).toBe(0);
    expect(eventLines(watched.stdout)).toEqual([
      [1, 'run.created'],
      [2, 'run.started'],
      [3, 'step.started'],
      [4, 'tool.call.started'],
      [5, 'tool.call.succeeded'],
      [6, 'run.completed'],
    ]);
    expect(watched.stdout).toContain('echo builtin.echo attempt 1');
    expect(watched.stdout).toMatch(/run\.completed\s+output \{"echo":\{"message":"hi"\}\}/);

    const tail = await cli(['runs', 'watch', runId, '--after-seq', '4']);
    expect(tail.code).toBe(0);
    expect(eventLines(tail.stdout).map(([seq]) => seq)).toEqual([5, 6]);

    const listed = await cli(['runs', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED$/);
    expect(listed.stdout).toMatch(new RegExp(`^${runId}\\s+echo\\s+completed\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z$`, 'm'));
    expect((await cli(['runs', 'list', '--status', 'failed,cancelled'])).stdout).not.toContain(runId);
    const asJson = JSON.parse((await cli(['runs', 'list', '--tool', 'builtin.echo', '--limit', '5', '--json'])).stdout);
    expect(asJson.runs.map((run: { id: string }) => run.id)).toContain(runId);

    const shown = await cli(['runs', 'show', runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id:\\s+${runId}$`, 'm'));
    expect(shown.stdout).toMatch(/^status:\s+completed$/m);
    expect(eventLines(shown.stdout.slice(shown.stdout.indexOf('events:')))).toHaveLength(6);
  });

  it('sends a chat message to a run that waits for one; a plan run refuses it, printed', async () => {
    const runId = (await cli(['runs', 'start', 'listener', '--input', '{}'])).stdout.trim();
    const watching = cli(['runs', 'watch', runId]);
    const sent = await cli(['runs', 'message', runId, 'bye']);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(sent.stdout).toContain(`message sent to ${runId}`);
    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/message\.received/);
    expect(watched.stdout).toMatch(/run\.completed\s+output \{"heard":\["bye"\],"timedOut":false\}/);

    const plan = (await cli(['runs', 'start', '--plan-echo', 'hi'])).stdout.trim();
    const refused = await cli(['runs', 'message', plan, 'hello']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: .*HTTP 4\d\d/);
    expect((await cli(['runs', 'message', plan])).code).toBe(2);
  });

  it('replays and forks a run, printed; a fork needs one fork point', async () => {
    const origin = (await cli(['runs', 'start', '--plan-echo', 'again'])).stdout.trim();
    expect((await cli(['runs', 'watch', origin])).code).toBe(0);
    const replayed = await cli(['runs', 'replay', origin]);
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toMatch(new RegExp(`^replay \\S+ of ${origin} started`));
    const forked = await cli(['runs', 'fork', origin, '--from-seq', '1', '--json']);
    expect(forked.code).toBe(0);
    expect(JSON.parse(forked.stdout).run.originRunId).toBe(origin);
    expect((await cli(['runs', 'fork', origin])).code).toBe(2);
  });

  it('starts from stdin, cancels a builtin.wait run, and watch exits 1 for a run that did not complete', async () => {
    const waitSpec = { name: 'napping', plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };
    const started = await cli(['runs', 'start', '-', '--json'], JSON.stringify(waitSpec));
    expect(started.code).toBe(0);
    const { run, created } = JSON.parse(started.stdout);
    expect(created).toBe(true);
    expect(run).toMatchObject({ name: 'napping', spec: { plan: { steps: [{ tool: 'builtin.wait' }] } } });

    const watching = cli(['runs', 'watch', run.id]);
    const cancelled = await cli(['runs', 'cancel', run.id, '--reason', 'cli test']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`cancel requested for ${run.id}`);

    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(eventLines(watched.stdout).at(-1)).toEqual([expect.any(Number), 'run.cancelled']);
    expect(watched.stdout).toMatch(/run\.cancel_requested\s+reason: cli test by admin/);
    expect(watched.stderr).toContain(`run ${run.id} cancelled`);

    const again = await cli(['runs', 'cancel', run.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`error: conflict (HTTP 409): run ${run.id} has already ended (cancelled)`);
  });

  it('starts a spec file whose run fails: watch prints the failure and exits 1', async () => {
    const specPath = path.join(specDir, 'failing.json');
    await writeFile(specPath, JSON.stringify({ plan: { steps: [{ id: 'a', tool: 'builtin.flaky', args: { failures: 2 }, retry: { maxAttempts: 1 } }] } }));
    const started = await cli(['runs', 'start', specPath]);
    expect(started.stdout).toMatch(runIdLine);
    const watched = await cli(['runs', 'watch', started.stdout.trim()]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/tool\.call\.failed\s+a builtin\.flaky attempt 1: \w+: /);
    expect(eventLines(watched.stdout).at(-1)?.[1]).toBe('run.failed');
  });

  it('prints API errors with code, message and details, and exits 1', async () => {
    const badSpec = path.join(specDir, 'bad.json');
    await writeFile(badSpec, JSON.stringify({ plan: { steps: [{ id: '1x', tool: 'builtin.echo' }] } }));
    const invalid = await cli(['runs', 'start', badSpec]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('error: validation_failed (HTTP 400): Invalid run spec');
    expect(invalid.stderr).toMatch(/^ {2}- plan\.steps\.0\.id: must start with a letter/m);

    const notJson = path.join(specDir, 'not.json');
    await writeFile(notJson, '{"plan":');
    expect(await cli(['runs', 'start', notJson])).toMatchObject({ code: 1, stderr: expect.stringContaining('is not valid JSON') });

    const missing = await cli(['runs', 'show', 'run_missing']);
    expect(missing).toMatchObject({ code: 1, stderr: 'error: not_found (HTTP 404): run run_missing not found\n' });

    const wrongKey = await cli(['runs', 'list', '--api-key', 'not-a-key-0123456789']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('error: unauthenticated (HTTP 401): invalid or revoked API key');

    const noKey = await flightdeck(['runs', 'list'], { env: { PATH: process.env.PATH, FLIGHTDECK_API_URL: stack.apiUrl } });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/FLIGHTDECK_API_KEY: is required.*npm start/);
  });

  it('exits 2 with usage for a wrong command line', async () => {
    const noRunId = await cli(['runs', 'watch']);
    expect(noRunId.code).toBe(2);
    expect(noRunId.stderr).toMatch(/^error: missing <run-id>\n\nUsage:\n {2}flightdeck runs watch <run-id>/);
    expect((await cli(['runs', 'start'])).code).toBe(2);
    expect((await cli(['runs', 'list', '--limit', 'lots'])).stderr).toContain('--limit must be a whole number');
    expect((await cli(['runs', 'fly'])).code).toBe(2);
    expect((await cli(['runs', 'list', '--colour'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('runs watch <run-id> [--after-seq <n>]');
  });

  it('lists pending approvals and approves one with edited args, then a second decision is refused', async () => {
    // The CLI uses the admin key that started the run: the gate lets the creator approve.
    const spec = { plan: { steps: [{ id: 'send', tool: 'builtin.echo', args: { to: 'all' }, approval: { allowSelfApproval: true } }] } };
    const runId = (await stack.client.startRun(spec as never)).run.id;
    for (let i = 0; i < 100 && (await stack.client.listApprovals({ runId })).length === 0; i += 1) await sleep(100);

    const listed = await cli(['runs', 'approve', '--list', '--run', runId]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${runId}:send  builtin.echo`);

    const approved = await cli(['runs', 'approve', runId, '--comment', 'only the team', '--args', '{"to":"team"}']);
    expect(approved).toMatchObject({ code: 0, stderr: '' });
    expect(approved.stdout).toContain(`approved ${runId}:send args {"to":"all"}`);
    const run = await stack.waitForRun(runId);
    expect(run.output).toEqual({ send: { to: 'team' } });

    const again = await cli(['runs', 'approve', runId, `${runId}:send`, '--reject']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('conflict (HTTP 409)');
  });

  it('creates, lists, shows, pauses, unpauses, triggers and deletes a schedule', async () => {
    const specPath = path.join(specDir, 'scheduled.json');
    await writeFile(specPath, JSON.stringify({ name: 'cli-tick', plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'tick' } }] } }));
    const created = await cli(['schedules', 'create', specPath, '--every', '1h', '--id', 'cli-hourly', '--note', 'from the cli']);
    expect(created).toMatchObject({ code: 0, stdout: 'cli-hourly\n' });
    expect(created.stderr).toMatch(/^next: \d{4}-\d\d-\d\dT\S+; Temporal UI: \S+\/schedules\//);
    const fromStdin = await cli(
      ['schedules', 'create', '-', '--cron', '0 0 1 1 *', '--timezone', 'Europe/Paris', '--id', 'cli-new-year', '--paused', '--json'],
      JSON.stringify({ name: 'cli-yearly', plan: { steps: [{ id: 'say', tool: 'builtin.echo' }] } }),
    );
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout).schedule).toMatchObject({
      id: 'cli-new-year',
      cron: '0 0 1 1 *',
      timezone: 'Europe/Paris',
      paused: true,
      spec: { name: 'cli-yearly' },
    });

    // Temporal's schedule list is eventually consistent: a schedule just created may take a moment to show.
    let listed = await cli(['schedules', 'list']);
    for (let i = 0; i < 50 && listed.code === 0 && !(/^cli-hourly\s/m.test(listed.stdout) && /^cli-new-year\s/m.test(listed.stdout)); i += 1) {
      await sleep(200);
      listed = await cli(['schedules', 'list']);
    }
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+WHEN\s+STATE\s+NEXT\s+RUN NAME$/);
    expect(listed.stdout).toMatch(/^cli-hourly\s+every 1h\s+active\s+\d{4}-\S+Z\s+cli-tick$/m);
    expect(listed.stdout).toMatch(/^cli-new-year\s+cron 0 0 1 1 \* \(Europe\/Paris\)\s+paused\s+-\s+cli-yearly$/m);

    expect(await cli(['schedules', 'pause', 'cli-hourly', '--note', 'holiday'])).toMatchObject({ code: 0, stdout: 'paused cli-hourly\n' });
    // Temporal keeps one note per schedule: each pause and unpause replaces it.
    const paused = await cli(['schedules', 'show', 'cli-hourly']);
    expect(paused.stdout).toMatch(/^state:\s+paused$/m);
    expect(paused.stdout).toMatch(/^note:\s+holiday$/m);
    const unpaused = await cli(['schedules', 'unpause', 'cli-hourly']);
    expect(unpaused.code).toBe(0);
    expect(unpaused.stdout).toMatch(/^unpaused cli-hourly \(next: \d{4}-/);

    expect(await cli(['schedules', 'trigger', 'cli-hourly'])).toMatchObject({ code: 0, stdout: 'triggered cli-hourly\n' });
    let ticks = (await stack.client.getSchedule('cli-hourly')).recentRuns;
    for (let i = 0; i < 150 && ticks.length === 0; i += 1) {
      await sleep(200);
      ticks = (await stack.client.getSchedule('cli-hourly')).recentRuns;
    }
    const runId = ticks[0]!.runId;
    expect(await stack.waitForRun(runId)).toMatchObject({ status: 'completed', name: 'cli-tick' });
    const shownText = await cli(['schedules', 'show', 'cli-hourly']);
    expect(shownText.stdout).toMatch(/^state:\s+active$/m);
    expect(shownText.stdout).toMatch(/^note:\s+unpaused /m);
    expect(shownText.stdout).toContain(`recent runs:\n  `);
    expect(shownText.stdout).toContain(runId);

    expect(await cli(['schedules', 'delete', 'cli-hourly'])).toMatchObject({ code: 0, stdout: 'deleted cli-hourly\n' });
    expect(await cli(['schedules', 'delete', 'cli-new-year', '--json'])).toMatchObject({ code: 0 });
    const gone = await cli(['schedules', 'show', 'cli-hourly']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('error: not_found (HTTP 404)');
    expect((await stack.client.listSchedules()).map((schedule) => schedule.id)).not.toEqual(expect.arrayContaining(['cli-new-year']));
  }, 180_000);

  it('refuses a wrong schedules command line (exit 2) and prints what the API rejects (exit 1)', async () => {
    const specPath = path.join(specDir, 'schedule-spec.json');
    await writeFile(specPath, JSON.stringify({ plan: { steps: [{ id: 'say', tool: 'builtin.echo' }] } }));
    const neither = await cli(['schedules', 'create', specPath]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/^error: give exactly one of --cron and --every\n\nUsage:\n {2}flightdeck schedules create <spec\.json \| ->/);
    expect((await cli(['schedules', 'create', specPath, '--cron', '@daily', '--every', '1h'])).code).toBe(2);
    expect((await cli(['schedules', 'create', '--every', '1h'])).stderr).toContain('error: missing <spec.json | ->');
    expect((await cli(['schedules', 'pause'])).stderr).toContain('error: missing <schedule-id>');

    const badCron = await cli(['schedules', 'create', specPath, '--cron', 'every tuesday']);
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toContain('error: validation_failed (HTTP 400)');
    expect(badCron.stderr).toMatch(/^ {2}- cron: a cron expression of 5–7 fields/m);
    const badZone = await cli(['schedules', 'create', specPath, '--every', '1h', '--timezone', 'Mars/Olympus']);
    expect(badZone.stderr).toMatch(/^ {2}- timezone: an IANA time zone/m);
    expect((await cli(['schedules', 'trigger', 'no-such-schedule'])).stderr).toContain('not_found (HTTP 404)');

    const help = await cli(['schedules', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('flightdeck schedules trigger <schedule-id> [--note <text>]');
  }, 180_000);

  it('creates, lists and revokes API keys', async () => {
    const created = await cli(['keys', 'create', '--name', 'cli viewer', '--role', 'viewer', '--json']);
    expect(created.code).toBe(0);
    const { key, apiKey } = JSON.parse(created.stdout);
    expect(key).toMatch(/^fd_/);

    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${apiKey.id}\\s+cli viewer\\s+viewer\\s+${stack.tenantId}\\s+\\S+\\s+-$`, 'm'));
    expect((await flightdeck(['runs', 'list'], { env: { ...env, FLIGHTDECK_API_KEY: key } })).code).toBe(0);

    const revoked = await cli(['keys', 'revoke', apiKey.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${apiKey.id} (cli viewer)\n` });
    expect((await flightdeck(['runs', 'list'], { env: { ...env, FLIGHTDECK_API_KEY: key } })).code).toBe(1);
    expect((await cli(['keys', 'create', '--name', 'x', '--role', 'boss'])).code).toBe(2);
  }, 120_000);
});
