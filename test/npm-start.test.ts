/**
 * `npm start` as a user runs it: a child process group, embedded Postgres and a Temporal dev server of
 * its own (on free ports, data in a temp folder), a run started over HTTP, the dashboard listing it,
 * then Ctrl-C (SIGINT to the group) and a check that nothing is left running. A second start must
 * reuse the data; it is stopped with SIGTERM to npm alone, as a supervisor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port';
import { waitForGroupGone } from './process-group';
import { sleep } from './wait';

const repoRoot = path.resolve(__dirname, '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  adminKey: string;
}

async function startFlightdeck(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 300_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      // Never leave its group (APIs, workers, the dashboard) running behind a failed test.
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await sleep(200);
  }
  const adminKey = /Admin API key\s+(\S+)/.exec(output)?.[1];
  if (!adminKey) throw new Error(`no admin key printed:\n${output}`);
  return { child, output: () => output, adminKey };
}

/** Ctrl-C: SIGINT to the whole process group; resolves when every process of the group is gone. */
async function pressCtrlC(started: Started): Promise<void> {
  process.kill(-(started.child.pid as number), 'SIGINT');
  await groupGone(started, 'Ctrl-C');
}

/**
 * SIGTERM to `npm start` alone, as a supervisor (systemd, a container runtime) stops it: no signal
 * reaches the children from outside. Resolves with npm's exit code (or signal) once the whole group is gone.
 */
async function sendSigterm(started: Started): Promise<number | string> {
  const exited = new Promise<number | string>((resolve) => started.child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  process.kill(started.child.pid as number, 'SIGTERM');
  const outcome = await exited;
  await groupGone(started, 'SIGTERM');
  return outcome;
}

/** Resolves when no process of the group is left; kills the rest and fails after 30 s. */
const groupGone = (started: Started, after: string) => waitForGroupGone(started.child.pid as number, { after, describe: started.output });

/** A free port whose next port is free too (API_PORT and API_PORT+1). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const next = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port + 1, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (next) return port;
  }
}

describe('npm start', () => {
  let dataRoot: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<'api' | 'web' | 'temporal' | 'ui' | 'pg', number>;

  beforeAll(async () => {
    dataRoot = await mkdtemp(path.join(os.tmpdir(), 'fd-npm-start-'));
    await chmod(dataRoot, 0o755);
    ports = { api: await freePortPair(), web: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
    env = { ...process.env };
    for (const name of [
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_UI_URL',
      'FLIGHTDECK_ADMIN_KEY',
      'FLIGHTDECK_LOG_KEYS',
      'FLIGHTDECK_SIGNAL_KEYS',
      'WORKFLOW_BUNDLE_PATH',
      'NODE_ENV',
      'LOG_LEVEL',
    ]) {
      delete env[name];
    }
    Object.assign(env, {
      FLIGHTDECK_DATA_DIR: path.join(dataRoot, 'data'),
      API_PORT: String(ports.api),
      WEB_PORT: String(ports.web),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      EMBEDDED_PG_PORT: String(ports.pg),
      // The scale-out shape: two APIs (API_PORT and API_PORT+1) and two workers.
      API_PROCESSES: '2',
      WORKER_PROCESSES: '2',
    });
  });
  afterAll(async () => {
    await rm(dataRoot, { recursive: true, force: true });
  });

  it('runs everything, lists a run on the dashboard, stops cleanly on Ctrl-C and reuses its data', async () => {
    const first = await startFlightdeck(env);
    let runId: string;
    try {
      expect(first.output()).toContain(`Dashboard        http://localhost:${ports.web}`);
      expect(first.output()).toContain(`Temporal Web UI  http://localhost:${ports.ui}`);
      const api = `http://localhost:${ports.api}`;
      const headers = { authorization: `Bearer ${first.adminKey}`, 'content-type': 'application/json' };
      const created = await fetch(`${api}/v1/runs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'from-npm-start', plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } }] } }),
      });
      expect(created.status).toBe(201);
      runId = ((await created.json()) as { run: { id: string } }).run.id;

      let status = '';
      for (let i = 0; i < 100 && status !== 'completed'; i += 1) {
        const run = (await (await fetch(`${api}/v1/runs/${runId}`, { headers })).json()) as { run: { status: string } };
        status = run.run.status;
        if (status !== 'completed') await sleep(100);
      }
      expect(status).toBe('completed');
      // Its log is keyed with the key npm start generated on first start and kept beside the admin key.
      expect((await stat(path.join(dataRoot, 'data', 'log-key'))).mode & 0o777).toBe(0o600);
      const verified = (await (await fetch(`${api}/v1/runs/${runId}/verify`, { headers })).json()) as { ok: boolean };
      expect(verified.ok).toBe(true);

      // The dashboard asks for a key first; signing in with the printed admin key lists the run.
      const web = `http://localhost:${ports.web}`;
      expect((await fetch(`${web}/`, { redirect: 'manual' })).headers.get('location')).toContain('/sign-in');
      const signIn = await fetch(`${web}/api/session`, { method: 'POST', body: new URLSearchParams({ key: first.adminKey }), redirect: 'manual' });
      expect(signIn.status).toBe(303);
      expect(signIn.headers.get('location')).toBe('/');
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect(cookie).toMatch(/^flightdeck_key=/);
      const dashboard = await (await fetch(`${web}/`, { headers: { cookie } })).text();
      expect(dashboard).toContain('from-npm-start');
      expect(dashboard).toContain(runId);
      expect((await fetch(`http://localhost:${ports.ui}/`)).status).toBe(200);
      expect((await fetch(`${api}/readyz`)).status).toBe(200);
      expect(first.output()).toContain(`API (another)    http://localhost:${ports.api + 1}`);
      const viaSecondApi = await fetch(`http://localhost:${ports.api + 1}/v1/runs/${runId}`, { headers });
      expect(((await viaSecondApi.json()) as { run: { status: string } }).run.status).toBe('completed');
    } finally {
      await pressCtrlC(first);
    }
    expect(first.output()).toContain('flightdeck: stopped.');
    // It generated a signal key (0600) for its processes, so none warned of unsigned signals; the second start reuses it.
    const signalKeyFile = path.join(dataRoot, 'data', 'signal-key');
    expect((await stat(signalKeyFile)).mode & 0o777).toBe(0o600);
    const signalKey = await readFile(signalKeyFile, 'utf8');
    expect(first.output()).not.toContain('FLIGHTDECK_SIGNAL_KEYS is unset');

    const second = await startFlightdeck(env);
    let stopped: number | string = 'not stopped';
    try {
      expect(second.adminKey).toBe(first.adminKey);
      expect(await readFile(signalKeyFile, 'utf8')).toBe(signalKey);
      expect(second.output()).toContain('database schema is up to date');
      const run = await fetch(`http://localhost:${ports.api}/v1/runs/${runId}`, { headers: { authorization: `Bearer ${second.adminKey}` } });
      expect(run.status).toBe(200);
    } finally {
      stopped = await sendSigterm(second);
    }
    // npm forwards SIGTERM to start.ts, which stops every child with SIGTERM and exits 0. The dashboard
    // (`next dev` and its next-server) ends by itself, not by the SIGKILL after the grace period.
    expect([0, 143, 'SIGTERM']).toContain(stopped);
    expect(second.output()).toContain('flightdeck: stopping (SIGTERM)');
    expect(second.output()).toMatch(/^flightdeck: web stopped \((0|143|SIGTERM)\)$/m);
    expect(second.output()).not.toMatch(/^flightdeck: \S+ stopped \(SIGKILL\)$/m);
    expect(second.output()).toContain('flightdeck: stopped.');
    await expect(fetch(`http://localhost:${ports.web}/`)).rejects.toThrow();
  }, 900_000);
});
