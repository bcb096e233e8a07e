import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { devEnvSchema, parseEnv } from '../lib/config';
import { parseKeyList } from '../lib/key-list';
import { logKeysFor, signalKeysFor } from './dev-infra';

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

describe("npm start's signal key", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-signal-key-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is generated once into <data dir>/signal-key (0600), a key list the processes accept, and kept across starts', async () => {
    const env = parseEnv(devEnvSchema, {});
    const first = await signalKeysFor(env, dataDir);
    const file = path.join(dataDir, 'signal-key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect(parseKeyList(first)).toHaveLength(1);
    expect(await signalKeysFor(env, dataDir)).toBe(first);
  });

  it('passes FLIGHTDECK_SIGNAL_KEYS on as given, and writes no file', async () => {
    const given = `new:${Buffer.alloc(32, 1).toString('base64')},old:${Buffer.alloc(32, 2).toString('base64')}`;
    expect(await signalKeysFor(parseEnv(devEnvSchema, { FLIGHTDECK_SIGNAL_KEYS: given }), dataDir)).toBe(given);
    await expect(stat(path.join(dataDir, 'signal-key'))).rejects.toThrow();
  });
});
