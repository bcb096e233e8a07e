import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { parseEnv } from './config';
import { parseKeyList } from './key-list';
import { AesGcmPayloadCodec, encryptedEncoding, keyIdMetadata, PayloadDecodeError, payloadCodecFor, payloadCodecShape } from './payload-codec';

const keysSchema = z.object(payloadCodecShape);

const key = (id: string) => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const jsonPayload = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain'), extra: Buffer.from('kept') },
  data: Buffer.from(JSON.stringify(value)),
});

describe('the payload codec (AES-256-GCM)', () => {
  it('seals a payload, metadata and all, and opens it again', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const original = jsonPayload({ marker: 'plain-marker-1' });
    const [sealed] = await codec.encode([original]);
    expect(text(sealed!.metadata!.encoding)).toBe(encryptedEncoding);
    expect(text(sealed!.metadata![keyIdMetadata])).toBe('k1');
    expect(Object.keys(sealed!.metadata!)).toEqual(['encoding', keyIdMetadata]);
    expect(text(sealed!.data)).not.toContain('plain-marker-1');
    const [opened] = await codec.decode([sealed!]);
    expect(text(opened!.data)).toBe(text(original.data));
    expect(text(opened!.metadata!.extra)).toBe('kept');
    expect(text(opened!.metadata!.encoding)).toBe('json/plain');
    // A fresh IV each time: the same payload never seals to the same bytes.
    const [again] = await codec.encode([original]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  it('decodes payloads that are not encrypted as they are (histories recorded before)', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const plain = jsonPayload({ old: true });
    const empty: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    expect(await codec.decode([plain, empty])).toEqual([plain, empty]);
  });

  it('rotates by key id: the first key encrypts, every listed key decrypts', async () => {
    const old = key('2026-01');
    const fresh = key('2026-06');
    const [sealedWithOld] = await new AesGcmPayloadCodec([old]).encode([jsonPayload('before rotation')]);
    const rotated = new AesGcmPayloadCodec([fresh, old]);
    expect(text((await rotated.decode([sealedWithOld!]))[0]!.data)).toBe('"before rotation"');
    const [sealedAfter] = await rotated.encode([jsonPayload('after')]);
    expect(text(sealedAfter!.metadata![keyIdMetadata])).toBe('2026-06');
    // Once the old key is dropped, its payloads fail, naming the missing key id.
    await expect(new AesGcmPayloadCodec([fresh]).decode([sealedWithOld!])).rejects.toThrow(
      new PayloadDecodeError('payload encrypted with key id "2026-01", which FLIGHTDECK_PAYLOAD_KEYS does not hold (it holds 2026-06)'),
    );
  });

  it('refuses a tampered payload with a clear error', async () => {
    const codec = new AesGcmPayloadCodec([key('k1'), key('k2')]);
    const [sealed] = await codec.encode([jsonPayload({ amount: 10 })]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 0x01;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/key id "k1"\) failed authentication: it was altered/);
    // The key id is authenticated too: relabelling the payload as another key's fails the same way.
    const relabelled = { metadata: { ...sealed!.metadata, [keyIdMetadata]: Buffer.from('k2') }, data: sealed!.data };
    await expect(codec.decode([relabelled])).rejects.toThrow(/key id "k2"\) failed authentication/);
    await expect(codec.decode([{ ...sealed!, data: Buffer.alloc(10) }])).rejects.toThrow(/too short/);
  });
});

describe('FLIGHTDECK_PAYLOAD_KEYS', () => {
  const base64Key = randomBytes(32).toString('base64');

  it('parses `<keyId>:<base64 32-byte key>` entries, first one first', () => {
    const other = randomBytes(32).toString('base64');
    const keys = parseKeyList(` new:${base64Key} , old:${other}`);
    expect(keys.map(({ id }) => id)).toEqual(['new', 'old']);
    expect(keys[0]!.key.equals(Buffer.from(base64Key, 'base64'))).toBe(true);
  });

  it('refuses malformed lists without echoing the key', () => {
    expect(() => parseKeyList(base64Key)).toThrow(/<keyId>:<base64 key>/);
    expect(() => parseKeyList(`k:${randomBytes(16).toString('base64')}`)).toThrow('key k must be 32 bytes in base64');
    expect(() => parseKeyList(`k:${base64Key},k:${base64Key}`)).toThrow('key ids must be distinct');
    try {
      parseEnv(keysSchema, { FLIGHTDECK_PAYLOAD_KEYS: `k:${base64Key.slice(0, 20)}` });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain('FLIGHTDECK_PAYLOAD_KEYS: key k must be 32 bytes');
      expect((error as Error).message).not.toContain(base64Key.slice(0, 20));
    }
  });

  it('unset or empty: no codec, payloads go to Temporal as they are', () => {
    expect(parseEnv(keysSchema, {}).FLIGHTDECK_PAYLOAD_KEYS).toEqual([]);
    expect(parseEnv(keysSchema, { FLIGHTDECK_PAYLOAD_KEYS: '' }).FLIGHTDECK_PAYLOAD_KEYS).toEqual([]);
    expect(payloadCodecFor([])).toBeNull();
    expect(payloadCodecFor(parseKeyList(`k:${base64Key}`))).toBeInstanceOf(AesGcmPayloadCodec);
  });
});
