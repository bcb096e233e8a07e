import { createHmac } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import type { Actor, EventType, NewEvent, RunEvent } from '../events';
import { sha256Hex } from '../ids';
import type { NamedKey } from '../key-list';
import { redactSecrets, type RedactOptions } from '../redact';
import { applyEvent, type ProjectedEvent, type RunProjection } from '../run-projection';

export interface EventRow {
  id: string;
  tenant_id: string;
  run_id: string;
  seq: number;
  type: EventType;
  at: Date;
  actor: Actor | null;
  data: Record<string, unknown>;
  dedupe_key: string;
  prev_hash: string | null;
  hash: string;
  /** The log key (FLIGHTDECK_LOG_KEYS) the hash is an HMAC with; null: a legacy sha256 row. */
  hash_key_id: string | null;
}

/** What a row's hash covers: all of it but its id, its hash and the previous link (which the hash chains onto). */
export type UnhashedRow = Omit<EventRow, 'id' | 'hash' | 'prev_hash'>;

/**
 * The row's link: over the previous hash and the canonical row, so editing any stored event breaks
 * the chain. A keyed row is HMAC-SHA256 with the log key its `hash_key_id` names (the id is in the
 * covered text too), so only a holder of the key can recompute a chain after an edit; a row with
 * no key id is the legacy sha256, which anyone with the database can recompute.
 */
export function eventHash(prevHash: string | null, event: UnhashedRow, key: Buffer | null = null): string {
  const keyed = event.hash_key_id !== null;
  if (keyed !== (key !== null))
    throw new Error(`event ${event.run_id}/${event.seq}: ${keyed ? `key ${event.hash_key_id} is needed` : 'a legacy row takes no key'}`);
  const text =
    (prevHash ?? '') +
    canonicalJson({
      tenantId: event.tenant_id,
      runId: event.run_id,
      seq: event.seq,
      type: event.type,
      at: event.at.toISOString(),
      actor: event.actor,
      data: event.data,
      dedupeKey: event.dedupe_key,
      ...(keyed ? { hashKeyId: event.hash_key_id } : {}),
    });
  return key ? createHmac('sha256', key).update(text).digest('hex') : sha256Hex(text);
}

/** How an append chains its facts: which secrets it redacts, and the log key it signs with (none: legacy sha256). */
export interface ChainOptions {
  redaction: RedactOptions;
  signingKey: NamedKey | null;
}

/**
 * The facts as the next rows of the run's chain (seq, prev_hash, hash, hash_key_id), and the
 * projection after them. Secrets are redacted from each fact's data first: the hash must cover what is stored.
 */
export function chainFacts(
  before: RunProjection | null,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
  { redaction, signingKey }: ChainOptions,
): { rows: EventRow[]; run: RunProjection } {
  const rows: EventRow[] = [];
  const at = new Date();
  let run = before;
  for (const fact of facts) {
    const seq = (run?.lastSeq ?? 0) + 1;
    const prevHash = run?.lastHash ?? null;
    const unhashed: UnhashedRow = {
      tenant_id: target.tenantId,
      run_id: target.runId,
      seq,
      type: fact.type,
      at,
      actor: fact.actor ?? null,
      data: redactSecrets(fact.data, redaction),
      dedupe_key: fact.dedupeKey,
      hash_key_id: signingKey?.id ?? null,
    };
    const row: EventRow = { id: '', ...unhashed, prev_hash: prevHash, hash: eventHash(prevHash, unhashed, signingKey?.key ?? null) };
    run = applyEvent(run, toProjected(row));
    rows.push(row);
  }
  if (!run) throw new Error(`run ${target.runId}: no projection after ${rows.length} events`);
  return { rows, run };
}

/**
 * A stored row as the projections read it. Its data is typed by its type without a parse: every
 * row came through the one door (lib/event-log/append.ts), which checks it outside production.
 */
export function toProjected(row: EventRow): ProjectedEvent {
  return {
    tenantId: row.tenant_id,
    runId: row.run_id,
    seq: row.seq,
    type: row.type,
    at: row.at,
    actor: row.actor,
    data: row.data,
    hash: row.hash,
  } as ProjectedEvent;
}

export function toRunEvent(row: EventRow): RunEvent {
  return {
    runId: row.run_id,
    seq: row.seq,
    type: row.type,
    at: row.at.toISOString(),
    actor: row.actor,
    data: row.data,
    hash: row.hash,
  };
}
