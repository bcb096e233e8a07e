import { createToolRegistry } from '../tools/default-registry';
import { startApiServer, type ApiServer } from '../api/server';
import { apiEnvSchema } from '../api/env';
import { parseEnv } from '../lib/config';
import { createDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { freePort } from '../scripts/free-port';

describe('the API while its dependencies are down', () => {
  let api: ApiServer;
  let db: ReturnType<typeof createDb>;
  const key = 'unavailable-test-key-0123';

  beforeAll(async () => {
    // Nothing listens on these ports: Postgres and Temporal are both "down".
    const deadUrl = `postgres://postgres:x@127.0.0.1:${await freePort()}/none`;
    const env = parseEnv(apiEnvSchema, {
      DATABASE_URL: deadUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      FLIGHTDECK_ADMIN_KEY: key,
    });
    const log = createLogger('test', 'silent');
    db = createDb(env.DATABASE_URL, { log });
    api = await startApiServer({ env, db, tools: await createToolRegistry(), log });
  });
  afterAll(async () => {
    await api?.close();
    await db?.destroy();
  });

  it('still starts, says it is not ready, and answers 503 with the error shape — never a 500', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);

    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    const readyBody = (await ready.json()) as { error: { code: string; details: { checks: Record<string, string> } } };
    expect(readyBody.error.code).toBe('unavailable');
    expect(readyBody.error.details.checks.database).not.toBe('ok');
    expect(readyBody.error.details.checks.temporal).not.toBe('ok');

    const runs = await fetch(`${api.url}/v1/runs`, { headers: { authorization: `Bearer ${key}` } });
    expect(runs.status).toBe(503);
    expect(runs.headers.get('retry-after')).toBe('2');
    expect(((await runs.json()) as { error: { code: string } }).error.code).toBe('unavailable');
  }, 30_000);
});
