import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseKeyList } from '../lib/key-list';
import { logKeysFor } from './dev-infra';

describe('npm start: the log key (FLIGHTDECK_LOG_KEYS)', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'fd-log-key-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates one key on first start into <data dir>/log-key (mode 0600) and reuses it afterwards', async () => {
    const first = await logKeysFor({ FLIGHTDECK_LOG_KEYS: [] }, dataDir);
    expect(parseKeyList(first)).toEqual([{ id: 'local', key: expect.any(Buffer) }]);
    expect((await stat(path.join(dataDir, 'log-key'))).mode & 0o777).toBe(0o600);
    expect(await logKeysFor({ FLIGHTDECK_LOG_KEYS: [] }, dataDir)).toBe(first);
  });

  it('passes FLIGHTDECK_LOG_KEYS on as given, and names a damaged key file', async () => {
    const given = parseKeyList(`new:${randomBytes(32).toString('base64')},old:${randomBytes(32).toString('base64')}`);
    expect(parseKeyList(await logKeysFor({ FLIGHTDECK_LOG_KEYS: given }, dataDir))).toEqual(given);
    await writeFile(path.join(dataDir, 'log-key'), 'local:short\n');
    await expect(logKeysFor({ FLIGHTDECK_LOG_KEYS: [] }, dataDir)).rejects.toThrow(/log-key: key local must be 32 bytes/);
  });
});
