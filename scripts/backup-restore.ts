/**
 * `npm run backup -- <file>` and `npm run restore -- <file>` (lib/backup.ts) on DATABASE_URL —
 * while `npm start` runs the embedded database, that is
 * postgres://postgres:flightdeck@127.0.0.1:54329/flightdeck. Exit 0 done, 1 failed or refused, 2 bad usage.
 */
import { backupDatabase, restoreDatabase, RestoreRefused } from '../lib/backup';
import { databaseEnvSchema, loadEnvOrExit } from '../lib/config';
import { createDb } from '../lib/db';

export function runBackupCommand(kind: 'backup' | 'restore'): void {
  const env = loadEnvOrExit(databaseEnvSchema, kind);
  const [file, ...rest] = process.argv.slice(2);
  if (!file || rest.length > 0 || file.startsWith('-')) {
    process.stderr.write(`usage: npm run ${kind} -- <file>\n`);
    process.exit(2);
  }
  const db = createDb(env.DATABASE_URL, { poolMax: 2 });
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
