/**
 * What the event-log maintenance commands (`npm run verify-log`, `npm run rebuild-projections`)
 * share: DATABASE_URL, the run selection flags, one database for the job, and exit codes
 * (0 all well, 1 the job found problems, 2 bad usage).
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { databaseEnvSchema, databaseTimeouts, loadEnvOrExit } from '../lib/config';
import { createDb } from '../lib/db';
import type { RunSelection } from '../lib/runs-store';

export interface MaintenanceContext<Flag extends string> {
  db: Knex;
  /** `--run <id>` (repeatable) and `--tenant <id>`; neither means every run. */
  selection: RunSelection;
  flags: Record<Flag, boolean>;
}

/** Runs `job` as the whole process; the job resolves whether everything it looked at was sound. */
export function runMaintenanceCommand<Flag extends string>(
  command: { name: string; usage: string; booleanFlags?: readonly Flag[] },
  job: (context: MaintenanceContext<Flag>) => Promise<boolean>,
): void {
  const env = loadEnvOrExit(databaseEnvSchema, command.name);
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        run: { type: 'string', multiple: true },
        tenant: { type: 'string' },
        ...Object.fromEntries((command.booleanFlags ?? []).map((flag) => [flag, { type: 'boolean' as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nusage: ${command.usage}\n`);
    process.exit(2);
  }
  const values = parsed.values as { run?: string[]; tenant?: string } & Record<string, unknown>;
  const flags = Object.fromEntries((command.booleanFlags ?? []).map((flag) => [flag, values[flag] === true])) as Record<Flag, boolean>;
  const selection: RunSelection = { runIds: values.run, tenantId: values.tenant };

  const db = createDb(env.DATABASE_URL, { poolMax: 2, ...databaseTimeouts(env) });
  void job({ db, selection, flags })
    .then(
      (sound) => (process.exitCode = sound ? 0 : 1),
      (error: unknown) => {
        process.stderr.write(`${command.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      },
    )
    .finally(() => db.destroy());
}
