/**
 * The peer engine of the comparison: DBOS Transact, a durable-workflow library that checkpoints
 * each step in Postgres, with the same shape as the other two (a workflow of N no-op steps), on the
 * same Postgres server in a database of its own. It runs in the bench process, like the bare
 * Temporal worker: its CPU shows under "bench" and "postgres".
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { RunSystem } from './run-system';

async function noopStep(step: number): Promise<{ step: number }> {
  return { step };
}

async function dbosBenchRun(steps: number): Promise<number> {
  for (let step = 0; step < steps; step += 1) await DBOS.runStep(() => noopStep(step), { name: 'noop' });
  return steps;
}

// DBOS registers workflows before launch, by name, once per process.
const benchWorkflow = DBOS.registerWorkflow(dbosBenchRun, { name: 'dbosBenchRun' });

export interface DbosPeer {
  system: RunSystem;
  stop(): Promise<void>;
}

/** Launches DBOS over `systemDatabaseUrl` (it creates its tables there) and serves runs as a RunSystem. */
export async function startDbosPeer(options: { systemDatabaseUrl: string; poolSize?: number }): Promise<DbosPeer> {
  DBOS.setConfig({
    name: 'flightdeck-bench',
    systemDatabaseUrl: options.systemDatabaseUrl,
    systemDatabasePoolSize: options.poolSize ?? 10,
    logLevel: 'warn',
  });
  await DBOS.launch();
  return {
    system: {
      name: 'dbos',
      async open() {
        return {
          async runOnce(steps: number) {
            const result = await benchWorkflow(steps);
            if (result !== steps) throw new Error(`DBOS run returned ${String(result)}, expected ${steps}`);
          },
          close: async () => undefined,
        };
      },
    },
    stop: () => DBOS.shutdown(),
  };
}
