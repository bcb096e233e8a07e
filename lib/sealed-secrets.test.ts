import { randomBytes } from 'node:crypto';
import { createSecretSealer, SecretOpenError } from './sealed-secrets';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('sealed secrets (AES-256-GCM under FLIGHTDECK_PAYLOAD_KEYS)', () => {
  it('seals under the first key, naming its id, and opens again; the plaintext is not in the sealed text', () => {
    const sealer = createSecretSealer([key('k1')]);
    const sealed = sealer.seal('Bearer secret-marker-1', 'tenant-a/server');
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed.split('.')[2]!, 'base64').toString('utf8')).not.toContain('secret-marker-1');
    expect(sealer.open(sealed, 'tenant-a/server')).toBe('Bearer secret-marker-1');
    expect(sealer.seal('Bearer secret-marker-1', 'tenant-a/server')).not.toBe(sealed);
  });

  it('does not open for another context, altered, or under a key it does not hold', () => {
    const k1 = key('k1');
    const sealer = createSecretSealer([k1]);
    const sealed = sealer.seal('value', 'tenant-a/server');
    expect(() => sealer.open(sealed, 'tenant-b/server')).toThrow(SecretOpenError);
    const body = Buffer.from(sealed.split('.')[2]!, 'base64');
    body[body.length - 1]! ^= 1;
    expect(() => sealer.open(`v1.k1.${body.toString('base64')}`, 'tenant-a/server')).toThrow(/failed authentication/);
    expect(() => createSecretSealer([key('k2')]).open(sealed, 'tenant-a/server')).toThrow(/key id "k1"/);
    expect(() => sealer.open('plaintext', 'tenant-a/server')).toThrow(SecretOpenError);
  });

  it('rotates by key id: a new first key seals, the old one still opens', () => {
    const old = key('2026-01');
    const sealedBefore = createSecretSealer([old]).seal('before', 'ctx');
    const rotated = createSecretSealer([key('2026-06'), old]);
    expect(rotated.open(sealedBefore, 'ctx')).toBe('before');
    expect(rotated.seal('after', 'ctx')).toMatch(/^v1\.2026-06\./);
  });

  it('without keys it cannot seal', () => {
    const sealer = createSecretSealer([]);
    expect(sealer.canSeal).toBe(false);
    expect(() => sealer.seal('x', 'ctx')).toThrow(/FLIGHTDECK_PAYLOAD_KEYS/);
  });
});
