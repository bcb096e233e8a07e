import { createToolRegistry } from '../tools/default-registry';
import { databaseTimeouts, eventLogOptions, loadEnvOrExit } from '../lib/config';
import { apiEnvSchema } from './env';
import { createDb } from '../lib/db';
import { guardAppRole, refuseToStart } from '../lib/db-roles';
import { attachConfiguredEventLog } from '../lib/event-log';
import { createLogger } from '../lib/logger';
import { startApiServer } from './server';
import { bootFailureOf } from '../lib/definitions';

async function main(): Promise<void> {
  const env = loadEnvOrExit(apiEnvSchema, 'api');
  const log = createLogger('api', env.LOG_LEVEL);
  const db = createDb(env.DATABASE_URL, { log, ...databaseTimeouts(env) });
  await guardAppRole(db, { production: env.NODE_ENV === 'production', log, refuse: refuseToStart('api') });
  attachConfiguredEventLog(db, eventLogOptions(env), log);
  const tools = await createToolRegistry({ env, log, db });
  const api = await startApiServer({ env, db, tools, log });
  log.info({ url: api.url }, 'api listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping');
    api
      .close()
      .then(() => tools.close())
      .then(() => db.destroy())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, 'api did not stop cleanly');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('flightdeck api failed:', bootFailureOf(error));
  process.exit(1);
});
