/** `npm run migrate [-- down]`: applies (or rolls back the last batch of) migrations on DATABASE_URL. */
import { databaseEnvSchema, loadEnvOrExit } from '../lib/config';
import { createDb, migrateLatest } from '../lib/db';

const env = loadEnvOrExit(databaseEnvSchema, 'migrate');

async function main(): Promise<void> {
  const db = createDb(env.DATABASE_URL, { poolMax: 1 });
  try {
    if (process.argv[2] === 'down') {
      const [, rolledBack] = (await db.migrate.rollback()) as [number, string[]];
      console.log(rolledBack.length ? `rolled back: ${rolledBack.join(', ')}` : 'nothing to roll back');
    } else {
      const applied = await migrateLatest(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error('migration failed:', error);
  process.exit(1);
});
