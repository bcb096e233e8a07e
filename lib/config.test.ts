import { randomBytes } from 'node:crypto';
import { ConfigError, devEnvSchema, envBoolean, parseEnv, verifyLogEnvSchema } from './config';
import { apiEnvSchema } from '../api/env';
import { combinedEnvSchema, workerEnvSchema } from '../worker/env';

const logKeys = `k1:${randomBytes(32).toString('base64')}`;

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.path);
    throw error;
  }
  return [];
};

describe('config', () => {
  const api = { DATABASE_URL: 'postgres://u@h/db', FLIGHTDECK_ADMIN_KEY: 'k'.repeat(16) };
  const signalKeys = `k1:${Buffer.alloc(32, 3).toString('base64')}`;

  it('fills defaults for the API', () => {
    const env = parseEnv(apiEnvSchema, api);
    expect(env).toMatchObject({ API_PORT: 4000, TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default', NODE_ENV: 'development' });
  });

  it('lists every problem at once, readably', () => {
    const run = () => parseEnv(apiEnvSchema, { DATABASE_URL: 'mysql://x', API_PORT: 'eighty', FLIGHTDECK_ADMIN_KEY: 'short' });
    expect(problemsOf(run).sort()).toEqual(['API_PORT', 'DATABASE_URL', 'FLIGHTDECK_ADMIN_KEY']);
    expect(() => run()).toThrow(/invalid configuration:\n {2}- /);
  });

  it('refuses embedded defaults in production', () => {
    expect(problemsOf(() => parseEnv(devEnvSchema, { NODE_ENV: 'production' })).sort()).toEqual(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
    expect(
      problemsOf(() =>
        parseEnv(workerEnvSchema, {
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://u@h/db',
          FLIGHTDECK_SIGNAL_KEYS: signalKeys,
          FLIGHTDECK_LOG_KEYS: logKeys,
        }),
      ),
    ).toEqual(['TEMPORAL_ADDRESS']);
    const dev = parseEnv(devEnvSchema, { NODE_ENV: 'development' });
    expect(dev.DATABASE_URL).toBeUndefined();
    expect(dev.WEB_PORT).toBe(3000);
  });

  it('requires FLIGHTDECK_LOG_KEYS in production wherever events are appended or verified, naming how to make a key', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      TEMPORAL_ADDRESS: 't:7233',
      FLIGHTDECK_ADMIN_KEY: 'k'.repeat(16),
      FLIGHTDECK_METRICS_TOKEN: 'm'.repeat(16),
      FLIGHTDECK_SIGNAL_KEYS: signalKeys,
    };
    for (const schema of [apiEnvSchema, workerEnvSchema, combinedEnvSchema, verifyLogEnvSchema]) {
      expect(problemsOf(() => parseEnv(schema, production))).toEqual(['FLIGHTDECK_LOG_KEYS']);
      expect(problemsOf(() => parseEnv(schema, { ...production, FLIGHTDECK_LOG_KEYS: ' ' }))).toEqual(['FLIGHTDECK_LOG_KEYS']);
      expect(parseEnv(schema, { ...production, FLIGHTDECK_LOG_KEYS: logKeys }).FLIGHTDECK_LOG_KEYS).toEqual([{ id: 'k1', key: expect.any(Buffer) }]);
      // Development may append unkeyed rows (with a warning at start).
      expect(parseEnv(schema, { ...production, NODE_ENV: 'development' }).FLIGHTDECK_LOG_KEYS).toEqual([]);
    }
    expect(() => parseEnv(apiEnvSchema, production)).toThrow(
      /\n {2}- FLIGHTDECK_LOG_KEYS: must be set when NODE_ENV=production: .*`openssl rand -base64 32`.*FLIGHTDECK_LOG_KEYS=<keyId>:<that key>/,
    );
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...production, FLIGHTDECK_LOG_KEYS: 'k1:short' }))).toEqual(['FLIGHTDECK_LOG_KEYS']);
  });

  it('gives the worker 200 workflow-task slots unless told otherwise, and names a bad value', () => {
    const worker = { DATABASE_URL: api.DATABASE_URL };
    expect(parseEnv(workerEnvSchema, worker).WORKER_MAX_CONCURRENT_WORKFLOW_TASKS).toBe(200);
    expect(parseEnv(workerEnvSchema, { ...worker, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '64' }).WORKER_MAX_CONCURRENT_WORKFLOW_TASKS).toBe(64);
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...worker, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }))).toEqual([
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
    ]);
  });

  it('reads FLIGHTDECK_REDACT_KEYS as a list for the API and the worker', () => {
    const worker = { DATABASE_URL: api.DATABASE_URL };
    expect(parseEnv(apiEnvSchema, api).FLIGHTDECK_REDACT_KEYS).toEqual([]);
    expect(parseEnv(workerEnvSchema, { ...worker, FLIGHTDECK_REDACT_KEYS: ' x-session-token, stripe_key ,,' }).FLIGHTDECK_REDACT_KEYS).toEqual([
      'x-session-token',
      'stripe_key',
    ]);
    expect(parseEnv(apiEnvSchema, { ...api, FLIGHTDECK_REDACT_KEYS: 'session' }).FLIGHTDECK_REDACT_KEYS).toEqual(['session']);
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...worker, FLIGHTDECK_REDACT_KEYS: 'cookie; session' }))).toEqual(['FLIGHTDECK_REDACT_KEYS']);
  });

  it('reads "false" as false', () => {
    expect(['false', 'FALSE', '0', 'no', 'off', ''].map((value) => envBoolean.parse(value))).toEqual(Array(6).fill(false));
    expect(['true', '1', 'yes'].map((value) => envBoolean.parse(value))).toEqual([true, true, true]);
  });

  it('reads COMPOSIO_TOOLKITS as slugs with optional pinned versions', () => {
    const env = parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db', COMPOSIO_API_KEY: 'key', COMPOSIO_TOOLKITS: 'github@20251027_00, Slack' });
    expect(env.COMPOSIO_TOOLKITS).toEqual([{ slug: 'github', version: '20251027_00' }, { slug: 'slack' }]);
    expect(env.COMPOSIO_BASE_URL).toBe('https://backend.composio.dev');
    expect(parseEnv(apiEnvSchema, { ...api, COMPOSIO_TOOLKITS: 'gmail' }).COMPOSIO_TOOLKITS).toEqual([{ slug: 'gmail' }]);
    expect(problemsOf(() => parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db', COMPOSIO_TOOLKITS: 'git hub' }))).toEqual(['COMPOSIO_TOOLKITS']);
  });

  it('reads COMPOSIO_LIMITS as concurrency and rate limits per toolkit or tool, and names bad entries', () => {
    const env = parseEnv(workerEnvSchema, {
      DATABASE_URL: 'postgres://u@h/db',
      COMPOSIO_LIMITS: 'toolkit:GitHub rate=5/s,concurrency=2; tool:github_create_an_issue concurrency=1;',
    });
    expect(env.COMPOSIO_LIMITS).toEqual([
      { scope: 'toolkit', slug: 'github', concurrency: 2, rate: { count: 5, perMs: 1000 } },
      { scope: 'tool', slug: 'GITHUB_CREATE_AN_ISSUE', concurrency: 1 },
    ]);
    expect(parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db' }).COMPOSIO_LIMITS).toEqual([]);
    for (const bad of ['github rate=5/s', 'toolkit:github rate=5/d', 'toolkit:github concurrency=0', 'toolkit:github']) {
      expect(problemsOf(() => parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db', COMPOSIO_LIMITS: bad }))).toEqual(['COMPOSIO_LIMITS']);
    }
  });

  it('refuses to start the API, the worker or the combined process in production without signal keys, naming the variable and how to make a key', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      TEMPORAL_ADDRESS: 't:7233',
      FLIGHTDECK_METRICS_TOKEN: 'm'.repeat(16),
      FLIGHTDECK_LOG_KEYS: logKeys,
    };
    for (const schema of [apiEnvSchema, workerEnvSchema, combinedEnvSchema]) {
      const env = { ...production, ...(schema === workerEnvSchema ? {} : { FLIGHTDECK_ADMIN_KEY: 'k'.repeat(16) }) };
      expect(problemsOf(() => parseEnv(schema, env))).toEqual(['FLIGHTDECK_SIGNAL_KEYS']);
      expect(() => parseEnv(schema, env)).toThrow(/FLIGHTDECK_SIGNAL_KEYS: must be set when NODE_ENV=production.*openssl rand -base64 32/);
      expect(problemsOf(() => parseEnv(schema, { ...env, FLIGHTDECK_SIGNAL_KEYS: signalKeys }))).toEqual([]);
    }
    // Development: unset is allowed (signals go unsigned, with a warning at start); a bad list is refused everywhere.
    expect(parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db' }).FLIGHTDECK_SIGNAL_KEYS).toEqual([]);
    expect(() => parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db', FLIGHTDECK_SIGNAL_KEYS: 'k1:short' })).toThrow(
      /FLIGHTDECK_SIGNAL_KEYS: key k1 must be 32 bytes in base64/,
    );
  });

  it('requires pinned toolkit versions in production', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      TEMPORAL_ADDRESS: 't:7233',
      FLIGHTDECK_SIGNAL_KEYS: signalKeys,
      FLIGHTDECK_LOG_KEYS: logKeys,
    };
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...production, COMPOSIO_TOOLKITS: 'github@20251027_00,slack' }))).toEqual(['COMPOSIO_TOOLKITS']);
    expect(problemsOf(() => parseEnv(workerEnvSchema, { ...production, COMPOSIO_TOOLKITS: 'github@20251027_00' }))).toEqual([]);
  });

  it('reads FLIGHTDECK_HTTP_ALLOW as hosts and CIDRs, and names a bad entry', () => {
    const env = parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db', FLIGHTDECK_HTTP_ALLOW: '127.0.0.1, internal.example,10.0.0.0/8' });
    expect([...env.FLIGHTDECK_HTTP_ALLOW.allowedHosts]).toEqual(['internal.example']);
    expect(env.FLIGHTDECK_HTTP_ALLOW.allowedAddresses.check('10.9.9.9')).toBe(true);
    expect(problemsOf(() => parseEnv(workerEnvSchema, { DATABASE_URL: 'postgres://u@h/db', FLIGHTDECK_HTTP_ALLOW: '10.0.0.0/99' }))).toEqual([
      'FLIGHTDECK_HTTP_ALLOW',
    ]);
  });
});
