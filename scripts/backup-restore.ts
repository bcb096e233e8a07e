/**
 * `npm run backup -- <file>` (on DATABASE_URL) and `npm run restore -- <file>` (as the owner,
 * DATABASE_MIGRATION_URL, default DATABASE_URL) (lib/backup.ts). Exit 0 done, 1 failed or refused, 2 bad usage.
 */
import { backupDatabase, restoreDatabase, RestoreRefused } from '../lib/backup';
import { databaseEnvSchema, databaseTimeouts, loadEnvOrExit, migrationUrlOf } from '../lib/config';
import { createDb } from '../lib/db';

export function runBackupCommand(kind: 'backup' | 'restore'): void {
  const env = loadEnvOrExit(databaseEnvSchema, kind);
  const [file, ...rest] = process.argv.slice(2);
  if (!file || rest.length > 0 || file.startsWith('-')) {
    process.stderr.write(`usage: npm run ${kind} -- <file>\n`);
    process.exit(2);
  }
  // Restore writes every table and moves the sequences (setval): the owner's job; a backup only reads.
  const db = createDb(kind === 'restore' ? migrationUrlOf(env) : env.DATABASE_URL, { poolMax: 2, ...databaseTimeouts(env) });
  (kind === 'backup' ? backupDatabase(db, file) : restoreDatabase(db, file))
    .then((counts) => {
      const summary = Object.entries(counts)
        .map(([table, rows]) => `${table}=${rows}`)
        .join(' ');
      console.log(`${kind === 'backup' ? 'backed up' : 'restored'} ${summary} ${kind === 'backup' ? 'to' : 'from'} ${file}`);
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `${kind} failed: ${error instanceof RestoreRefused ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    })
    .finally(() => db.destroy());
}
