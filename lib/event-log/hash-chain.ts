import { canonicalJson } from '../canonical-json';
import type { Actor, EventType, NewEvent, RunEvent } from '../events';
import { sha256Hex } from '../ids';
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
}

/** sha256 over the previous link and the canonical row: editing any stored event breaks the chain. */
export function eventHash(prevHash: string | null, event: Omit<EventRow, 'id' | 'hash' | 'prev_hash'>): string {
  return sha256Hex(
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
      }),
  );
}

/**
 * The facts as the next rows of the run's chain (seq, prev_hash, hash), and the projection after
 * them. Secrets are redacted from each fact's data first: the hash must cover what is stored.
 */
export function chainFacts(
  before: RunProjection | null,
  target: { tenantId: string; runId: string },
  facts: NewEvent[],
  redaction: RedactOptions,
): { rows: EventRow[]; run: RunProjection } {
  const rows: EventRow[] = [];
  const at = new Date();
  let run = before;
  for (const fact of facts) {
    const seq = (run?.lastSeq ?? 0) + 1;
    const prevHash = run?.lastHash ?? null;
    const unhashed = {
      tenant_id: target.tenantId,
      run_id: target.runId,
      seq,
      type: fact.type,
      at,
      actor: fact.actor ?? null,
      data: redactSecrets(fact.data, redaction),
      dedupe_key: fact.dedupeKey,
    };
    const row: EventRow = { id: '', ...unhashed, prev_hash: prevHash, hash: eventHash(prevHash, unhashed) };
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
