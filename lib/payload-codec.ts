/**
 * Encryption of what Flightdeck stores in Temporal: every payload a Client or Worker of ours sends
 * (workflow input, activity args and results, signals, queries, memos) is sealed with AES-256-GCM
 * before it leaves the process, so Temporal's histories, its database and whoever reads them
 * through port 7233 or the Web UI see ciphertext. The worker, the API's client and the API's codec
 * endpoint (`/v1/codec/*`, for the Web UI and `temporal --codec-endpoint`) all use this module.
 *
 * Keys come from `FLIGHTDECK_PAYLOAD_KEYS`: `<keyId>:<base64 32-byte key>,…` (lib/key-list.ts). The first encrypts;
 * every one listed decrypts, found by the key id the payload carries, so a key is rotated by
 * putting a new one first and keeping the old one until no history needs it. A payload that is
 * not encrypted (histories recorded before, or without a key) decodes as it is.
 *
 * Codecs run outside the workflow sandbox: workflow code never sees them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { keyListField, namedKeyBytes as keyBytes, type NamedKey } from './key-list';

/** The `encoding` metadata of a sealed payload, and the metadata key naming the key that sealed it. */
export const encryptedEncoding = 'binary/encrypted';
export const keyIdMetadata = 'encryption-key-id';

const ivBytes = 12;
const tagBytes = 16;

export type PayloadKey = NamedKey;

/** A payload the codec refuses to decode: unknown key id, tampered, or cut short. */
export class PayloadDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecodeError';
  }
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** The whole payload (metadata and data) as bytes: u32 count, then per entry u32-length-prefixed key and value, then the data. */
function serialize(payload: Payload): Buffer {
  const entries = Object.entries(payload.metadata ?? {});
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const nameBytes = utf8(name);
    parts.push(u32(nameBytes.length), nameBytes, u32(value.length), Buffer.from(value));
  }
  parts.push(Buffer.from(payload.data ?? new Uint8Array()));
  return Buffer.concat(parts);
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function deserialize(bytes: Buffer): Payload {
  let at = 0;
  const take = (length: number) => {
    if (at + length > bytes.length) throw new PayloadDecodeError('decrypted payload is malformed');
    const slice = bytes.subarray(at, at + length);
    at += length;
    return slice;
  };
  const count = take(4).readUInt32BE();
  const metadata: Record<string, Uint8Array> = {};
  for (let index = 0; index < count; index++) {
    const name = take(take(4).readUInt32BE()).toString('utf8');
    metadata[name] = new Uint8Array(take(take(4).readUInt32BE()));
  }
  return { metadata, data: new Uint8Array(bytes.subarray(at)) };
}

/** AES-256-GCM over the serialized payload; the key id is authenticated too (additional data). */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    for (const { id, key } of keys) if (key.length !== keyBytes) throw new Error(`payload key ${id} is ${key.length} bytes, not ${keyBytes}`);
    this.current = keys[0]!;
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
    if (this.byId.size !== keys.length) throw new Error('payload key ids must be distinct');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.open(payload));
  }

  private seal(payload: Payload): Payload {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(utf8(this.current.id));
    const sealed = Buffer.concat([iv, cipher.update(serialize(payload)), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8(encryptedEncoding), [keyIdMetadata]: utf8(this.current.id) }, data: new Uint8Array(sealed) };
  }

  private open(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || Buffer.from(encoding).toString('utf8') !== encryptedEncoding) return payload;
    const idBytes = payload.metadata?.[keyIdMetadata];
    const id = idBytes ? Buffer.from(idBytes).toString('utf8') : '';
    const key = this.byId.get(id);
    if (!key) {
      throw new PayloadDecodeError(
        `payload encrypted with key id "${id}", which FLIGHTDECK_PAYLOAD_KEYS does not hold (it holds ${[...this.byId.keys()].join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < ivBytes + tagBytes) throw new PayloadDecodeError(`encrypted payload (key id "${id}") is too short to hold its IV and tag`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, ivBytes));
    decipher.setAAD(utf8(id));
    decipher.setAuthTag(data.subarray(data.length - tagBytes));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
    } catch {
      throw new PayloadDecodeError(`encrypted payload (key id "${id}") failed authentication: it was altered, or sealed with another key of that id`);
    }
    return deserialize(plain);
  }
}

/** The env variable every process that talks to Temporal reads (lib/config.ts commonShape). */
export const payloadCodecShape = {
  FLIGHTDECK_PAYLOAD_KEYS: keyListField().describe(
    'Comma list of `<keyId>:<base64 32-byte key>` that encrypt (AES-256-GCM) every payload stored in Temporal: the first encrypts, all decrypt (rotation by key id). Unset: payloads are stored in plaintext; production should set it. The same keys seal the header values of the MCP servers of tenants (refused without keys). Every API and worker needs the same list.',
  ),
};

/** The codec for these keys; null without keys (payloads go to Temporal as they are). */
export const payloadCodecFor = (keys: readonly PayloadKey[]): PayloadCodec | null => (keys.length > 0 ? new AesGcmPayloadCodec(keys) : null);

/** `{ dataConverter }` for a Client or Worker: the codec when keys are set, nothing otherwise. */
export function dataConverterOption(codec: PayloadCodec | null): { dataConverter?: DataConverter } {
  return codec ? { dataConverter: { payloadCodecs: [codec] } } : {};
}
