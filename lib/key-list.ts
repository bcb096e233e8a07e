/**
 * A list of named 32-byte keys, as an env variable spells it: `<keyId>:<base64 key>,…`. The first
 * key is the current one (it seals or signs what is written now); every key listed opens or
 * verifies what names its id, so a key is rotated by putting a new one first and keeping the old
 * one while anything stored still names it. FLIGHTDECK_PAYLOAD_KEYS (lib/payload-codec.ts) and
 * FLIGHTDECK_LOG_KEYS (lib/config.ts) are both read with it.
 */
import { z } from 'zod';

export interface NamedKey {
  id: string;
  key: Buffer;
}

export const namedKeyBytes = 32;

/** The list → keys, the current one first; throws with a message naming the bad entry (never its key). */
export function parseKeyList(value: string): NamedKey[] {
  const keys = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry, index) => {
      const at = entry.indexOf(':');
      const id = at > 0 ? entry.slice(0, at).trim() : '';
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new Error(`entry ${index + 1} must be <keyId>:<base64 key>, the id letters, digits, "_", "-" or "."`);
      const text = entry.slice(at + 1).trim();
      const key = Buffer.from(text, 'base64');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== namedKeyBytes)
        throw new Error(`key ${id} must be ${namedKeyBytes} bytes in base64 (openssl rand -base64 32)`);
      return { id, key };
    });
  if (new Set(keys.map(({ id }) => id)).size !== keys.length) throw new Error('key ids must be distinct');
  return keys;
}

/** Keys → the list as the variable spells it (what parseKeyList reads back). */
export const formatKeyList = (keys: readonly NamedKey[]): string => keys.map(({ id, key }) => `${id}:${key.toString('base64')}`).join(',');

/** An env field holding a key list; unset or '' is no keys. Callers add `.describe()`. */
export const keyListField = () =>
  z
    .preprocess((value) => (value === '' ? undefined : value), z.string().optional())
    .transform((value, context): NamedKey[] => {
      if (value === undefined) return [];
      try {
        return parseKeyList(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });
