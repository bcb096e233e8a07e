import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port';
import { findTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-dev-server';
import { sleep } from '../test/wait';

const repoRoot = path.resolve(__dirname, '..');

describe('Temporal dev server', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fd-temporal-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds the search attributes a db file from an older start lacks', async () => {
    const cli = await findTemporalCli({ repoRoot, log: () => undefined, allowBuild: false, allowDownload: false });
    if (cli.kind !== 'binary') throw new Error('expected a binary CLI');
    const dbFile = path.join(dir, 'old.db');
    const port = await freePort();

    // An "older" server: same db file, started without Flightdeck's search attributes.
    const old = spawn(cli.path, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile], {
      stdio: 'ignore',
    });
    const probe = Connection.lazy({ address: `127.0.0.1:${port}` });
    for (let attempt = 0; ; attempt += 1) {
      try {
        await probe.workflowService.describeNamespace({ namespace: 'default' });
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await sleep(200);
      }
    }
    const before = await probe.operatorService.listSearchAttributes({ namespace: 'default' });
    await probe.close();
    expect(before.customAttributes.FlightdeckStatus).toBeUndefined();
    old.kill('SIGTERM');
    await new Promise((resolve) => old.once('exit', resolve));

    const server = await startTemporalDevServer({ cli, port, uiPort: await freePort(), dbFile, log: () => undefined });
    const connection = await Connection.connect({ address: server.address });
    try {
      const after = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(after.customAttributes)).toEqual(expect.arrayContaining(['FlightdeckStatus', 'FlightdeckTenant', 'FlightdeckTags']));
    } finally {
      await connection.close();
      await server.stop();
    }
  }, 90_000);
});
