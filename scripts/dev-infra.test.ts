import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { devEnvSchema, parseEnv } from '../lib/config';
import { parsePayloadKeys } from '../lib/payload-codec';
import { signalKeysFor } from './dev-infra';

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
    expect(parsePayloadKeys(first)).toHaveLength(1);
    expect(await signalKeysFor(env, dataDir)).toBe(first);
  });

  it('passes FLIGHTDECK_SIGNAL_KEYS on as given, and writes no file', async () => {
    const given = `new:${Buffer.alloc(32, 1).toString('base64')},old:${Buffer.alloc(32, 2).toString('base64')}`;
    expect(await signalKeysFor(parseEnv(devEnvSchema, { FLIGHTDECK_SIGNAL_KEYS: given }), dataDir)).toBe(given);
    await expect(stat(path.join(dataDir, 'signal-key'))).rejects.toThrow();
  });
});
