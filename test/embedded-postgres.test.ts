import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../scripts/free-port';

const run = promisify(execFile);
const fixture = path.join(__dirname, 'fixtures', 'embedded-postgres-roundtrip.ts');
const devInfraFixture = path.join(__dirname, 'fixtures', 'dev-infra-roles.ts');
const isRoot = process.getuid?.() === 0;

/** Starts the embedded cluster in a child process, runs `sql`, stops it; returns the rows. */
async function roundTrip(baseDir: string, port: number, sql: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, baseDir, String(port), sql], { timeout: 60_000 });
  return JSON.parse(stdout);
}

/** `npm start`'s database provisioning in a child process; returns its report (test/fixtures/dev-infra-roles.ts). */
async function provision(dataDir: string, port: number, mode?: 'legacy'): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', devInfraFixture, dataDir, String(port), ...(mode ? [mode] : [])], { timeout: 120_000 });
  return JSON.parse(stdout);
}

describe('embedded PostgreSQL (as CI runs it: root on this machine)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'fd-embedded-pg-'));
    await chmod(root, 0o755);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('initialises a cluster in a folder that does not exist yet and keeps its data across restarts', async () => {
    const baseDir = path.join(root, 'nested', 'postgres');
    const port = await freePort();
    await roundTrip(baseDir, port, 'create table kept (v int); insert into kept values (42); select 1 as ok');
    expect(await roundTrip(baseDir, port, 'select v from kept')).toEqual([{ v: 42 }]);
  });

  it('gives `npm start` two roles: the processes connect as flightdeck_app, which owns nothing; migrations run as the owner', async () => {
    const expected = {
      appRole: 'flightdeck_app',
      ownerRole: 'flightdeck_owner',
      appProblem: null,
      ownerSuperuser: false,
      deleteRefused: expect.stringContaining('permission denied for table run_events'),
      disableTriggerRefused: expect.stringContaining('must be owner of table run_events'),
    };
    const fresh = path.join(root, 'fresh');
    const port = await freePort();
    expect(await provision(fresh, port)).toEqual({ ...expected, purgedTenants: ['roles'] });
    // A second start reuses the cluster, its roles and grants.
    expect(await provision(fresh, port)).toEqual({ ...expected, purgedTenants: ['roles'] });
    // A database an earlier version made as the superuser is handed over to the owner.
    expect(await provision(path.join(root, 'legacy'), await freePort(), 'legacy')).toEqual({ ...expected, purgedTenants: ['legacy', 'roles'] });
  }, 180_000);

  (isRoot ? it : it.skip)('as root, names the folder the postgres user cannot enter', async () => {
    const locked = path.join(root, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o700);
    await expect(roundTrip(path.join(locked, 'pg'), await freePort(), 'select 1')).rejects.toMatchObject({
      stderr: expect.stringContaining(`cannot enter ${locked} (mode 700)`),
    });
  });
});
