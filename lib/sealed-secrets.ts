/**
 * Secrets Flightdeck keeps in its own tables (a tenant's MCP server headers), sealed with
 * AES-256-GCM under the keys of FLIGHTDECK_PAYLOAD_KEYS (lib/key-list.ts): the first key seals,
 * every key listed opens what names its id, so rotation works as it does for Temporal payloads.
 * Each key is not used as it is: a subkey is derived from it (HKDF-SHA256, info below), so a
 * sealed secret and a sealed Temporal payload never share a key. The caller's `context` (e.g.
 * tenant and row name) is authenticated with the ciphertext: a sealed value copied to another row
 * does not open there.
 *
 * A sealed value is text: `v1.<keyId>.<base64 iv ‖ ciphertext ‖ tag>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { NamedKey } from './key-list';

const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;
const subkeyInfo = 'flightdeck sealed-secrets v1';

/** A sealed value that does not open: unknown key id, altered, sealed for another context, or malformed. */
export class SecretOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretOpenError';
  }
}

export interface SecretSealer {
  /** Whether any key is configured: without one nothing can be sealed (callers refuse rather than store plaintext). */
  readonly canSeal: boolean;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

const subkeyOf = (key: Buffer): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), subkeyInfo, 32));
const additionalData = (keyId: string, context: string) => Buffer.from(`${version}\0${keyId}\0${context}`, 'utf8');

/** A sealer over these keys (the first seals); with no keys, `seal` throws and `open` refuses. */
export function createSecretSealer(keys: readonly NamedKey[]): SecretSealer {
  const byId = new Map(keys.map(({ id, key }) => [id, subkeyOf(key)]));
  const current = keys[0];
  return {
    canSeal: current !== undefined,
    seal(plaintext, context) {
      if (!current) throw new Error('no FLIGHTDECK_PAYLOAD_KEYS: nothing can be sealed');
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', byId.get(current.id)!, iv);
      cipher.setAAD(additionalData(current.id, context));
      const sealed = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${version}.${current.id}.${sealed.toString('base64')}`;
    },
    open(sealed, context) {
      const [tag, keyId = '', body = '', ...rest] = sealed.split('.');
      if (tag !== version || rest.length > 0) throw new SecretOpenError(`a sealed secret must read ${version}.<keyId>.<base64>`);
      const key = byId.get(keyId);
      if (!key) throw new SecretOpenError(`the secret was sealed with key id "${keyId}", which FLIGHTDECK_PAYLOAD_KEYS does not hold`);
      const data = Buffer.from(body, 'base64');
      if (data.length < ivBytes + tagBytes) throw new SecretOpenError('the sealed secret is too short to hold its IV and tag');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, ivBytes));
      decipher.setAAD(additionalData(keyId, context));
      decipher.setAuthTag(data.subarray(data.length - tagBytes));
      try {
        return Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretOpenError(`the sealed secret (key id "${keyId}") failed authentication: altered, or sealed for another record`);
      }
    },
  };
}
