/**
 * `npm run migrate [-- down]`: applies (or rolls back the last batch of) migrations as the owner,
 * DATABASE_MIGRATION_URL (default DATABASE_URL), then grants the role of DATABASE_URL what the
 * application needs when it is another role (lib/db-roles.ts).
 */
import { databaseEnvSchema, loadEnvOrExit, migrationUrlOf } from '../lib/config';
import { createDb } from '../lib/db';
import { migrateAndGrant } from '../lib/db-roles';

const env = loadEnvOrExit(databaseEnvSchema, 'migrate');

async function main(): Promise<void> {
  if (process.argv[2] === 'down') {
    const db = createDb(migrationUrlOf(env), { poolMax: 1, statementTimeoutMs: 0 });
    try {
      const [, rolledBack] = (await db.migrate.rollback()) as [number, string[]];
      console.log(rolledBack.length ? `rolled back: ${rolledBack.join(', ')}` : 'nothing to roll back');
    } finally {
      await db.destroy();
    }
    return;
  }
  const { applied, owner, appRole } = await migrateAndGrant({ migrationUrl: migrationUrlOf(env), appUrl: env.DATABASE_URL });
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  console.log(
    appRole
      ? `granted the application role ${appRole} its privileges (owner: ${owner})`
      : `the application connects as the owner ${owner}: set DATABASE_MIGRATION_URL to the owner and DATABASE_URL to an application role (NODE_ENV=production refuses one role)`,
  );
}

main().catch((error: unknown) => {
  console.error('migration failed:', error);
  process.exit(1);
});
