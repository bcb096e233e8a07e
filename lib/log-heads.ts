/**
 * Signed chain heads: `npm run verify-log -- --export-heads <file>` writes each run's last seq and
 * hash into a document signed with the current log key (FLIGHTDECK_LOG_KEYS), and
 * `--check-heads <file>` compares the database with it later. The operator keeps the file outside
 * the database (docs/operations.md), so a log cut at its tail, or rewritten with a recomputed
 * chain, shows against a head recorded before — which the chain alone cannot show, since a
 * shortened chain still links, and a legacy (sha256) run can be recomputed by anyone.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import type { NamedKey } from './key-list';

export const headsFormat = 'flightdeck-log-heads/1';

export const logHeadSchema = z.strictObject({
  tenantId: z.string().min(1),
  runId: z.string().min(1),
  lastSeq: z.number().int().min(0),
  lastHash: z.string().nullable(),
});
export type LogHead = z.infer<typeof logHeadSchema>;

export const headsDocumentSchema = z.strictObject({
  format: z.literal(headsFormat),
  exportedAt: z.iso.datetime(),
  /** The log key that signed it. */
  keyId: z.string().min(1),
  heads: z.array(logHeadSchema),
  /** HMAC-SHA256 (hex) with that key over the canonical JSON of the other fields. */
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type HeadsDocument = z.infer<typeof headsDocumentSchema>;

/** What the signature covers; the format prefix keeps it apart from any event hash made with the same key. */
function signatureOf(document: Omit<HeadsDocument, 'signature'>, key: Buffer): string {
  const { format, exportedAt, keyId, heads } = document;
  return createHmac('sha256', key)
    .update(`${headsFormat}\n${canonicalJson({ format, exportedAt, keyId, heads })}`)
    .digest('hex');
}

/** The heads as a document signed with `key` (the current log key). */
export function signHeads(heads: readonly LogHead[], key: NamedKey, exportedAt: Date = new Date()): HeadsDocument {
  const unsigned: Omit<HeadsDocument, 'signature'> = { format: headsFormat, exportedAt: exportedAt.toISOString(), keyId: key.id, heads: [...heads] };
  return { ...unsigned, signature: signatureOf(unsigned, key.key) };
}

/**
 * A heads file's text → its document, only when its signature verifies with the log key it names;
 * otherwise why it is refused (not a heads document, a key this process does not hold, tampered).
 */
export function openHeads(text: string, keys: readonly NamedKey[]): { ok: true; document: HeadsDocument } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = headsDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`).join('; ');
    return { ok: false, problem: `not a ${headsFormat} document (${where})` };
  }
  const document = parsed.data;
  const key = keys.find(({ id }) => id === document.keyId);
  if (!key) return { ok: false, problem: `signed with log key "${document.keyId}", which FLIGHTDECK_LOG_KEYS does not hold` };
  const expected = Buffer.from(signatureOf(document, key.key), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(document.signature, 'hex'))) {
    return {
      ok: false,
      problem: `signature does not verify with log key "${document.keyId}": the document was altered, or signed with another key of that id`,
    };
  }
  return { ok: true, document };
}

/**
 * A head against the database: `intact` (the row at its seq has its hash), `purged` (the run is gone
 * and admin_audit records its retention purge — trusted as recorded), `missing` (gone, no purge
 * recorded), `truncated` (the log ends before the head's seq), `rewritten` (another hash at that
 * seq, or the run now belongs to another tenant).
 */
export type HeadCheck =
  | { status: 'intact' }
  | { status: 'purged'; purgedAt: string }
  | { status: 'missing' }
  | { status: 'truncated'; logLastSeq: number }
  | { status: 'rewritten'; seq: number; hash: string | null; tenantId: string };

export async function checkHead(db: Knex, head: LogHead): Promise<HeadCheck> {
  const run = await db('runs').where({ id: head.runId }).first<{ tenant_id: string } | undefined>('tenant_id');
  if (!run) {
    const purge = await db('admin_audit')
      .where({ action: 'retention.purged', target: head.runId, tenant_id: head.tenantId })
      .orderBy('id', 'desc')
      .first<{ at: Date } | undefined>('at');
    return purge ? { status: 'purged', purgedAt: purge.at.toISOString() } : { status: 'missing' };
  }
  if (head.lastSeq === 0) return run.tenant_id === head.tenantId ? { status: 'intact' } : { status: 'rewritten', seq: 0, hash: null, tenantId: run.tenant_id };
  const row = await db('run_events').where({ run_id: head.runId, seq: head.lastSeq }).first<{ hash: string } | undefined>('hash');
  if (!row) {
    const last = await db('run_events').where({ run_id: head.runId }).max<{ max: number | null }>('seq as max').first();
    const logLastSeq = last?.max ?? 0;
    // Rows after the head's seq but not the row at it: that row went, the log did not end there.
    if (logLastSeq > head.lastSeq) return { status: 'rewritten', seq: head.lastSeq, hash: null, tenantId: run.tenant_id };
    return { status: 'truncated', logLastSeq };
  }
  if (row.hash !== head.lastHash || run.tenant_id !== head.tenantId) return { status: 'rewritten', seq: head.lastSeq, hash: row.hash, tenantId: run.tenant_id };
  return { status: 'intact' };
}
