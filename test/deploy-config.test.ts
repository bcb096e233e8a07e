/**
 * There is no Docker engine or Render account here, so this is what can be proven about
 * docker-compose.yml, render.yaml and the Dockerfile: they give every process a configuration its
 * zod schema accepts (in production mode), ports agree, commands and copied paths exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { apiEnvSchema } from '../api/env';
import { databaseEnvSchema, parseEnv } from '../lib/config';
import { workerEnvSchema } from '../worker/env';
import { flightdeckSearchAttributes } from '../lib/search-attributes';
import { ServerEnv as webEnvSchema } from '../web/lib/env-schema';

const root = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const packageScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

const schemas = { api: apiEnvSchema, worker: workerEnvSchema, web: webEnvSchema, migrate: databaseEnvSchema } as const;
type Role = keyof typeof schemas;
/** Platform variables a schema may not list (Render's PORT; Next's own NODE_ENV and telemetry switch). */
const platformVars = new Set(['PORT', 'NEXT_TELEMETRY_DISABLED', 'NODE_ENV']);

/** A key list as the `*_KEYS` variables take it (lib/key-list.ts). */
const keyList = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** `${VAR:?message}` / `${VAR}` → a plausible value, as an operator would provide. */
const substitute = (value: unknown) =>
  String(value).replace(/\$\{([A-Z_]+)[^}]*\}/g, (_match, name: string) =>
    /_KEYS$/.test(name) ? keyList : /_(KEY|TOKEN)$/.test(name) ? 'k'.repeat(32) : /_URL$/.test(name) ? 'https://models.example/v1' : 'x',
  );

function assertEnvFits(role: Role, env: Record<string, string>): void {
  const schema = schemas[role];
  const known = new Set(Object.keys((schema as z.ZodObject).shape));
  expect(Object.keys(env).filter((name) => !known.has(name) && !platformVars.has(name))).toEqual([]);
  if (role === 'web' || role === 'migrate') {
    const result = schema.safeParse(env);
    expect(result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'))).toEqual([]);
  } else {
    expect(() => parseEnv(schema, env)).not.toThrow();
  }
}

/** The file a `node --import tsx <file>` or `npm run <script>` command runs must exist. */
function assertCommandRuns(command: string[] | string): void {
  const words = Array.isArray(command) ? command : command.split(/\s+/);
  if (words[0] === 'node') expect(existsSync(path.join(root, words.at(-1)!))).toBe(true);
  const run = words.indexOf('run');
  if (words[0] === 'npm' && run >= 0) expect(Object.keys(packageScripts)).toContain(words[run + 1]);
  if (words[0] === 'npx') expect(words.slice(0, 3)).toEqual(['npx', 'next', 'start']);
}

/** What an operator would type for a `sync: false` variable. */
const operatorValue = (name: string) =>
  name === 'DATABASE_URL'
    ? 'postgres://flightdeck_app:secret@db.internal:5432/flightdeck'
    : name.endsWith('_KEYS')
      ? keyList
      : name === 'TEMPORAL_ADDRESS'
        ? 'flightdeck.abcde.tmprl.cloud:7233'
        : name.endsWith('_URL')
          ? 'https://models.example/v1'
          : name === 'TEMPORAL_NAMESPACE'
            ? 'flightdeck.abcde'
            : 'k'.repeat(32);

const portOf = (url: string) => Number(new URL(url).port);
const healthcheckUrl = (service: { healthcheck?: { test: string[] } }) => /fetch\('([^']+)'\)/.exec(service.healthcheck?.test.join(' ') ?? '')?.[1] ?? '';

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, any> };
  const services = compose.services;

  it('runs Postgres, Temporal (with schema set-up, search attributes, Web UI), migrate, api, 2 workers and web', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal-schema', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'migrate', 'api', 'worker', 'web']),
    );
    expect(services.worker.deploy.replicas).toBe(2);
    for (const name of ['postgres', 'api', 'worker', 'web']) expect(services[name].healthcheck).toBeDefined();
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api', 'worker', 'web']) expect(services[name].restart).toBe('unless-stopped');
    const attributes = services['temporal-search-attributes'].command.join('\n');
    for (const { name } of flightdeckSearchAttributes) expect(attributes).toContain(name);
  });

  it.each(['api', 'worker', 'web', 'migrate'] as const)('gives %s an environment its schema accepts in production, and a command that exists', (role) => {
    const service = services[role];
    const env = Object.fromEntries(Object.entries(service.environment as Record<string, unknown>).map(([name, value]) => [name, substitute(value)]));
    assertEnvFits(role, env);
    assertCommandRuns(service.command);
    expect(service.build.target).toBe('runtime');
  });

  it('runs api and worker as the application role the postgres image creates, and migrate as the owner granting it', () => {
    const userOf = (url: string) => new URL(url).username;
    const appRole = userOf(services.api.environment.DATABASE_URL);
    expect(userOf(services.worker.environment.DATABASE_URL)).toBe(appRole);
    expect(services.migrate.environment.DATABASE_URL).toBe(services.api.environment.DATABASE_URL);
    expect(userOf(services.migrate.environment.DATABASE_MIGRATION_URL)).toBe(services.postgres.environment.POSTGRES_USER);
    expect(appRole).not.toBe(services.postgres.environment.POSTGRES_USER);
    const initScripts = (services.postgres.volumes as string[]).filter((volume) => volume.includes('/docker-entrypoint-initdb.d/'));
    expect(initScripts).toHaveLength(1);
    const sql = read(initScripts[0]!.split(':')[0]!);
    expect(sql).toMatch(new RegExp(`CREATE ROLE ${appRole} LOGIN PASSWORD '${new URL(services.api.environment.DATABASE_URL).password}' NOSUPERUSER`));
  });

  it('passes api and worker the same log keys from the operator, required (production refuses to start without them)', () => {
    for (const role of ['api', 'worker']) expect(services[role].environment.FLIGHTDECK_LOG_KEYS).toMatch(/^\$\{FLIGHTDECK_LOG_KEYS:\?/);
    // Without them the api's and worker's production schemas refuse the environment.
    const env = Object.fromEntries(Object.entries(services.api.environment as Record<string, unknown>).map(([name, value]) => [name, substitute(value)]));
    delete env.FLIGHTDECK_LOG_KEYS;
    expect(() => parseEnv(apiEnvSchema, env)).toThrow(/FLIGHTDECK_LOG_KEYS: must be set when NODE_ENV=production/);
  });

  it('gives api and worker the same signal keys, which the operator must set (no default)', () => {
    expect(services.api.environment.FLIGHTDECK_SIGNAL_KEYS).toMatch(/^\$\{FLIGHTDECK_SIGNAL_KEYS:\?/);
    expect(services.worker.environment.FLIGHTDECK_SIGNAL_KEYS).toBe(services.api.environment.FLIGHTDECK_SIGNAL_KEYS);
  });

  it('agrees on ports between env, published ports and healthchecks', () => {
    const api = services.api;
    expect(api.ports).toContain(`${api.environment.API_PORT}:${api.environment.API_PORT}`);
    expect(portOf(healthcheckUrl(api))).toBe(Number(api.environment.API_PORT));
    expect(portOf(services.web.environment.FLIGHTDECK_API_URL)).toBe(Number(api.environment.API_PORT));
    const webPort = services.web.command[services.web.command.indexOf('--port') + 1];
    expect(services.web.ports).toContain(`${webPort}:${webPort}`);
    expect(portOf(healthcheckUrl(services.web))).toBe(Number(webPort));
    expect(portOf(healthcheckUrl(services.worker))).toBe(Number(services.worker.environment.WORKER_METRICS_PORT));
    expect(services.api.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it("publishes no Temporal gRPC port, and Temporal's Web UI on the host's loopback only", () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      ((service.ports ?? []) as Array<string | number | { target: number; published?: string | number; host_ip?: string }>).map((port) => ({
        name,
        ...publishedPort(port),
      })),
    );
    expect(published.filter((port) => port.container === 7233 || port.host === 7233)).toEqual([]);
    const ui = published.filter((port) => port.name === 'temporal-ui');
    expect(ui.filter((port) => port.hostIp !== '127.0.0.1')).toEqual([]);
    // Nothing else of Temporal's (the server, its set-up jobs) is published at all.
    expect(published.filter((port) => port.name.startsWith('temporal') && port.name !== 'temporal-ui')).toEqual([]);
  });

  it("points the Web UI's codec at the dashboard's /api/codec with credentials, and the dashboard's CORS at the Web UI: one site", () => {
    const ui = services['temporal-ui'].environment;
    const web = services.web.environment;
    const endpoint = new URL(ui.TEMPORAL_CODEC_ENDPOINT);
    const webPort = services.web.command[services.web.command.indexOf('--port') + 1];
    expect({ path: endpoint.pathname, port: endpoint.port }).toEqual({ path: '/api/codec', port: webPort });
    expect(existsSync(path.join(root, 'web/app/api/codec/[operation]/route.ts'))).toBe(true);
    expect(services.web.ports).toContain(`${webPort}:${webPort}`);
    // Without it the UI's fetch sends no cookie and every decode is a 401.
    expect(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
    const uiPort = publishedPort(services['temporal-ui'].ports[0]).host;
    expect(webEnvSchema.parse(web).TEMPORAL_UI_ORIGIN).toBe(`http://localhost:${uiPort}`);
    expect(new URL(web.TEMPORAL_UI_URL).origin).toBe(web.TEMPORAL_UI_ORIGIN);
    // Same scheme and host, other port: the browser sends the dashboard's SameSite=Lax cookie along.
    expect({ protocol: endpoint.protocol, hostname: endpoint.hostname }).toEqual({
      protocol: new URL(web.TEMPORAL_UI_ORIGIN).protocol,
      hostname: new URL(web.TEMPORAL_UI_ORIGIN).hostname,
    });
  });
});

/** A compose `ports` entry (`[ip:]host:container`, a bare container port, or the long form) as parts. */
function publishedPort(port: string | number | { target: number; published?: string | number; host_ip?: string }) {
  if (typeof port === 'object') return { hostIp: port.host_ip ?? '0.0.0.0', host: Number(port.published ?? port.target), container: Number(port.target) };
  const parts = String(port).split('/')[0]!.split(':');
  const container = Number(parts.at(-1));
  if (parts.length === 1) return { hostIp: '0.0.0.0', host: container, container };
  return { hostIp: parts.length === 3 ? parts[0]! : '0.0.0.0', host: Number(parts.at(-2)), container };
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('names the stages compose builds, copies paths that exist, and runs as a non-root user', () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((match) => match[1]);
    expect(stages).toEqual(['deps', 'build', 'runtime']);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/));
    expect(copied.filter((source) => !existsSync(path.join(root, source)))).toEqual([]);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js');
    expect(dockerfile).toContain('npm run build:workflows -- /app/dist/workflow-bundle.js');
  });
});

describe('render.yaml', () => {
  const blueprint = parse(read('render.yaml')) as { services: any[]; databases: Array<{ name: string }> };
  const roleOf: Record<string, Role> = { 'flightdeck-api': 'api', 'flightdeck-worker': 'worker', 'flightdeck-web': 'web' };

  it.each(Object.entries(roleOf))('gives %s every variable its schema needs, from values, the database or the operator', (name, role) => {
    const service = blueprint.services.find((candidate) => candidate.name === name);
    expect(service).toBeDefined();
    const env: Record<string, string> = {};
    for (const variable of service.envVars as Array<Record<string, any>>) {
      if (variable.fromDatabase) {
        expect(blueprint.databases.map((database) => database.name)).toContain(variable.fromDatabase.name);
        env[variable.key] = 'postgres://user:secret@db.internal:5432/flightdeck';
      } else if (variable.fromService) {
        expect(Object.keys(roleOf)).toContain(variable.fromService.name);
        env[variable.key] = 'k'.repeat(32);
      } else if (variable.sync === false || variable.generateValue) {
        env[variable.key] = operatorValue(variable.key);
      } else {
        env[variable.key] = String(variable.value);
      }
    }
    assertEnvFits(role, env);
    assertCommandRuns(service.startCommand);
    for (const part of String(service.buildCommand).split('&&')) assertCommandRuns(part.trim().replace(/^NEXT_TELEMETRY_DISABLED=1 /, ''));
    if (role === 'api') expect(env.PORT).toBe(env.API_PORT);
    if (role === 'web') expect(portOf(env.FLIGHTDECK_API_URL!)).toBe(4000);
  });

  it("connects api and worker as an application role, never the database's owner; the API's pre-deploy migrate runs as the owner", () => {
    const variable = (service: string, key: string) =>
      blueprint.services.find((candidate) => candidate.name === service).envVars.find((entry: { key: string }) => entry.key === key);
    for (const service of ['flightdeck-api', 'flightdeck-worker']) expect(variable(service, 'DATABASE_URL')).toEqual({ key: 'DATABASE_URL', sync: false });
    expect(variable('flightdeck-api', 'DATABASE_MIGRATION_URL').fromDatabase).toEqual({ name: 'flightdeck-db', property: 'connectionString' });
    expect(blueprint.services.find((service) => service.name === 'flightdeck-api').preDeployCommand).toBe('npm run migrate');
  });

  it('runs no Temporal of its own on a public port: Temporal is reached by address (Temporal Cloud), or as a private service', () => {
    const temporalServices = blueprint.services.filter((service) =>
      /temporal/i.test(`${service.name} ${service.image?.url ?? ''} ${service.startCommand ?? ''}`),
    );
    expect(temporalServices.filter((service) => service.type !== 'pserv').map((service) => service.name)).toEqual([]);
    for (const name of ['flightdeck-api', 'flightdeck-worker']) {
      const keys = blueprint.services.find((service) => service.name === name).envVars.map((variable: { key: string }) => variable.key);
      expect(keys).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'TEMPORAL_API_KEY', 'FLIGHTDECK_PAYLOAD_KEYS']));
    }
  });

  it('has the operator give api and worker the log keys as a secret (production refuses to start without them)', () => {
    for (const name of ['flightdeck-api', 'flightdeck-worker']) {
      const variable = blueprint.services
        .find((service) => service.name === name)
        .envVars.find((entry: { key: string }) => entry.key === 'FLIGHTDECK_LOG_KEYS');
      expect(variable).toEqual({ key: 'FLIGHTDECK_LOG_KEYS', sync: false });
    }
  });

  it('has the operator set the signal keys of api and worker (sync: false, never generated apart)', () => {
    for (const name of ['flightdeck-api', 'flightdeck-worker']) {
      const variable = blueprint.services
        .find((service) => service.name === name)
        .envVars.find((entry: { key: string }) => entry.key === 'FLIGHTDECK_SIGNAL_KEYS');
      expect(variable).toEqual({ key: 'FLIGHTDECK_SIGNAL_KEYS', sync: false });
    }
  });
});
