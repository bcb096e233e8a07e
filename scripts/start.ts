/**
 * `npm start`: provisions what is missing (embedded Postgres, Temporal dev server), migrates, then
 * runs the worker, the API and the dashboard as child processes and prints where everything is:
 * by default the API and the worker in one process (FLIGHTDECK_START_MODE=combined).
 * Ctrl-C or SIGTERM stops them all, then the embedded servers; a second start reuses the data.
 */
import path from 'node:path';
import { devEnvSchema, loadEnvOrExit } from '../lib/config';
import { spawnManaged, type ManagedChild } from './child-process';
import { provisionDevInfra } from './dev-infra';

const repoRoot = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(`${line}\n`);
const tsEntry = (file: string) => [process.execPath, ['--import', 'tsx', path.join(repoRoot, file)]] as const;

/** Polls `url` until it answers below 500, saying every 15 s that it still waits (a loaded machine boots slowly). */
async function waitForHttp(url: string, what: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let nextNote = started + 15_000;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    const now = Date.now();
    if (now - started > timeoutMs) throw new Error(`${what} (${url}) did not answer within ${timeoutMs / 1000} s`);
    if (now >= nextNote) {
      say(`flightdeck: still waiting for ${what} (${Math.round((now - started) / 1000)} s)…`);
      nextNote += 15_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function main(): Promise<void> {
  const env = loadEnvOrExit(devEnvSchema, 'start');
  const startedAt = Date.now();
  say('flightdeck: starting…');
  const infra = await provisionDevInfra({ env, repoRoot, log: (line) => say(`flightdeck: ${line}`) });

  const apiUrl = `http://localhost:${env.API_PORT}`;
  const webUrl = `http://localhost:${env.WEB_PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: env.NODE_ENV,
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
    TEMPORAL_UI_URL: infra.temporalUiUrl,
    FLIGHTDECK_ADMIN_KEY: infra.adminKey,
    FLIGHTDECK_LOG_KEYS: infra.logKeys,
    FLIGHTDECK_SIGNAL_KEYS: infra.signalKeys,
    API_PORT: String(env.API_PORT),
    // Browsers may call the API from the dashboard only (CORS and the ws Origin check).
    FLIGHTDECK_ALLOWED_ORIGINS: process.env.FLIGHTDECK_ALLOWED_ORIGINS ?? `${webUrl},http://127.0.0.1:${env.WEB_PORT}`,
    NEXT_TELEMETRY_DISABLED: '1',
  };
  const children: ManagedChild[] = [];
  let shuttingDown = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`flightdeck: stopping (${reason})…`);
    // Each child drains on SIGTERM (SIGKILL after a grace period); how it ended shows whether it did.
    await Promise.all(
      children.map(async (child) => {
        await child.stop();
        say(`flightdeck: ${child.name} stopped (${await child.exited})`);
      }),
    );
    await infra.stop();
    say('flightdeck: stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  const spawnChild = (name: string, command: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const child = spawnManaged(name, command, [...args], { cwd: repoRoot, env: { ...childEnv, ...extraEnv }, write: say });
    children.push(child);
    void child.exited.then((code) => {
      if (!shuttingDown) void shutdown(`${name} exited unexpectedly (${code})`, 1);
    });
    return child;
  };
  // More than one of each shows the production shape on one machine: workers share the task queue,
  // APIs share nothing but Postgres (LISTEN/NOTIFY fans events out to every API's ws clients).
  const numbered = (name: string, index: number, count: number) => (count > 1 ? `${name}-${index + 1}` : name);
  // Combined (the default): the first API and the first worker share a process (eager run starts).
  const combined = env.FLIGHTDECK_START_MODE === 'combined';
  if (combined) spawnChild('api+worker', ...tsEntry('worker/combined-main.ts'), { API_PORT: String(env.API_PORT) });
  for (let index = combined ? 1 : 0; index < env.WORKER_PROCESSES; index += 1)
    spawnChild(numbered('worker', index, env.WORKER_PROCESSES), ...tsEntry('worker/main.ts'));
  const apiUrls = Array.from({ length: env.API_PROCESSES }, (_, index) => `http://localhost:${env.API_PORT + index}`);
  for (let index = combined ? 1 : 0; index < env.API_PROCESSES; index += 1) {
    spawnChild(numbered('api', index, env.API_PROCESSES), ...tsEntry('api/main.ts'), { API_PORT: String(env.API_PORT + index) });
  }
  spawnChild('web', process.execPath, [require.resolve('next/dist/bin/next'), 'dev', 'web', '--port', String(env.WEB_PORT)], {
    FLIGHTDECK_API_URL: apiUrl,
    // The one origin whose pages may call the dashboard's codec endpoint with the session: the Web UI's.
    TEMPORAL_UI_ORIGIN: process.env.TEMPORAL_UI_ORIGIN ?? new URL(infra.temporalUiUrl).origin,
    NODE_ENV: 'development',
  });

  try {
    for (const url of apiUrls) await waitForHttp(`${url}/healthz`, 'the API', 180_000);
    await waitForHttp(webUrl, 'the dashboard', 180_000);
  } catch (error) {
    // Never leave the children and the embedded servers behind when start-up fails half way.
    say(`flightdeck: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown('start-up failed', 1);
    return;
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  say(
    [
      '',
      `Flightdeck is running (ready in ${seconds} s):`,
      `  Dashboard        ${webUrl}`,
      `  API              ${apiUrl}   (REST /v1, ws ${apiUrl.replace('http', 'ws')}/v1/stream)`,
      ...apiUrls.slice(1).map((url) => `  API (another)    ${url}`),
      ...(env.WORKER_PROCESSES > 1 ? [`  Workers          ${env.WORKER_PROCESSES} processes on task queue flightdeck`] : []),
      ...(combined ? ['  Mode             combined: the API and a worker share one process (eager run starts)'] : []),
      `  Temporal Web UI  ${infra.temporalUiUrl}`,
      `  Admin API key    ${infra.adminKey}`,
      '',
      'Try a run:',
      `  curl -s -X POST ${apiUrl}/v1/runs -H 'authorization: Bearer ${infra.adminKey}' -H 'content-type: application/json' \\`,
      `    -d '{"name":"hello","plan":{"steps":[{"id":"say","tool":"builtin.echo","args":{"message":"hi"}}]}}'`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`flightdeck: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
