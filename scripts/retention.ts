/**
 * `npm run retention [-- --days N] [--tenant <id>] [--dry-run]`: purges finished runs that ended
 * more than N days ago (default FLIGHTDECK_RETENTION_DAYS) through the audited purge function.
 * Exit 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { systemActor } from '../lib/admin-audit';
import { databaseTimeouts, loadEnvOrExit, retentionEnvSchema } from '../lib/config';
import { createDb } from '../lib/db';
import { countPurgeable, purgeFinishedRuns, retentionCutoff } from '../lib/retention';

const usage = 'npm run retention -- [--days N] [--tenant <id>] [--dry-run]   (N defaults to FLIGHTDECK_RETENTION_DAYS)';

function usageError(message: string): never {
  process.stderr.write(`${message}\nusage: ${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const env = loadEnvOrExit(retentionEnvSchema, 'retention');
  let values: { days?: string; tenant?: string; 'dry-run'?: boolean };
  try {
    values = parseArgs({ options: { days: { type: 'string' }, tenant: { type: 'string' }, 'dry-run': { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const days = values.days === undefined ? env.FLIGHTDECK_RETENTION_DAYS : Number(values.days);
  if (days === undefined) usageError('no retention period: pass --days N or set FLIGHTDECK_RETENTION_DAYS');
  if (!Number.isInteger(days) || days < 0) usageError(`--days must be a whole number of days ≥ 0 (got ${values.days})`);
  const before = retentionCutoff(days);
  const db = createDb(env.DATABASE_URL, { poolMax: 1, ...databaseTimeouts(env) });
  try {
    if (values['dry-run']) {
      console.log(`would purge ${await countPurgeable(db, { before, tenantId: values.tenant })} finished runs that ended before ${before.toISOString()}`);
      return;
    }
    const purged = await purgeFinishedRuns(db, {
      before,
      tenantId: values.tenant,
      actor: systemActor('retention'),
      onShrink: (batchSize) => console.error(`a batch ran into the statement timeout and was rolled back: going on with batches of ${batchSize}`),
    });
    for (const run of purged) console.log(`PURGED ${run.runId} tenant=${run.tenantId} status=${run.status} events=${run.events}`);
    console.log(`purged ${purged.length} finished runs (${purged.reduce((sum, run) => sum + run.events, 0)} events) that ended before ${before.toISOString()}`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retention failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
