/**
 * What the event-log maintenance commands (`npm run verify-log`, `npm run rebuild-projections`)
 * share: the environment (DATABASE_URL, and what else the command's schema reads), the run
 * selection flags, one database for the job, and exit codes (0 all well, 1 the job found
 * problems, 2 bad usage).
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { databaseEnvSchema, databaseTimeouts, loadEnvOrExit } from '../lib/config';
import { createDb } from '../lib/db';
import type { RunSelection } from '../lib/runs-store';

type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

export interface MaintenanceContext<Flag extends string, Option extends string, Env> {
  db: Knex;
  env: Env;
  /** `--run <id>` (repeatable) and `--tenant <id>`; neither means every run. */
  selection: RunSelection;
  flags: Record<Flag, boolean>;
  /** The command's `--<name> <value>` options, when given. */
  options: Partial<Record<Option, string>>;
}

/** Bad usage: the message and the usage on stderr, exit 2. */
export function exitWithUsage(message: string, usage: string): never {
  process.stderr.write(`${message}\nusage: ${usage}\n`);
  process.exit(2);
}

/** Runs `job` as the whole process; the job resolves whether everything it looked at was sound. */
export function runMaintenanceCommand<Flag extends string, Option extends string = never, Env extends DatabaseEnv = DatabaseEnv>(
  command: { name: string; usage: string; booleanFlags?: readonly Flag[]; stringOptions?: readonly Option[]; envSchema?: z.ZodType<Env> },
  job: (context: MaintenanceContext<Flag, Option, Env>) => Promise<boolean>,
): void {
  const env = loadEnvOrExit(command.envSchema ?? databaseEnvSchema, command.name) as Env;
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        run: { type: 'string', multiple: true },
        tenant: { type: 'string' },
        ...Object.fromEntries((command.booleanFlags ?? []).map((flag) => [flag, { type: 'boolean' as const }])),
        ...Object.fromEntries((command.stringOptions ?? []).map((option) => [option, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    exitWithUsage(error instanceof Error ? error.message : String(error), command.usage);
  }
  const values = parsed.values as { run?: string[]; tenant?: string } & Record<string, unknown>;
  const flags = Object.fromEntries((command.booleanFlags ?? []).map((flag) => [flag, values[flag] === true])) as Record<Flag, boolean>;
  const options = Object.fromEntries(
    (command.stringOptions ?? []).flatMap((option) => (typeof values[option] === 'string' ? [[option, values[option]]] : [])),
  ) as Partial<Record<Option, string>>;
  const selection: RunSelection = { runIds: values.run, tenantId: values.tenant };

  const db = createDb(env.DATABASE_URL, { poolMax: 2, ...databaseTimeouts(env) });
  void job({ db, env, selection, flags, options })
    .then(
      (sound) => (process.exitCode = sound ? 0 : 1),
      (error: unknown) => {
        process.stderr.write(`${command.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      },
    )
    .finally(() => db.destroy());
}
