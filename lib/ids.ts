import { createHash } from 'node:crypto';
import { ulid } from 'ulidx';
import { canonicalJson } from './canonical-json';

export const newRunId = (): string => `run_${ulid()}`;

/** The same tenant + idempotency key always names the same run (and so the same workflow). */
export function idempotentRunId(tenantId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${idempotencyKey}`).digest('hex');
  return `run_k${digest.slice(0, 32)}`;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A stable fingerprint of a spec, to tell a repeated POST from a conflicting one. */
export const specHash = (spec: unknown): string => sha256Hex(canonicalJson(spec));
