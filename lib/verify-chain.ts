import type { Knex } from 'knex';
import { eventHash, eventLogOf, storedEventRows, type EventRow } from './event-log';
import type { NamedKey } from './key-list';
import type { RunRow } from './runs-store';

/**
 * `unkeyed`: a legacy sha256 row although log keys are configured (anyone with the database can
 * write one); `unknown_key`: a row keyed with an id FLIGHTDECK_LOG_KEYS does not hold.
 */
export type ChainBreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'unkeyed' | 'unknown_key';

/** The first link that does not hold: what the chain says it should be, and what is stored. */
export interface ChainBreak {
  seq: number;
  reason: ChainBreakReason;
  expected: string | number | null;
  actual: string | number | null;
}

export type ChainVerification = { ok: true; events: number; lastHash: string | null } | { ok: false; events: number; firstBroken: ChainBreak };

/** A stored event as the chain sees it (the bigserial id is not part of it). */
export type ChainRow = Omit<EventRow, 'id'>;

/** The keys a chain is verified with, and whether legacy rows pass although keys are configured. */
export interface ChainKeys {
  /** FLIGHTDECK_LOG_KEYS: a keyed row is checked with the key its `hash_key_id` names. */
  keys: readonly NamedKey[];
  /**
   * Accept legacy sha256 rows at the start of a run (history from before log keys; `verify-log
   * --allow-unkeyed`). Never after a keyed row of the same run: no writer goes back to sha256.
   * Without keys configured, legacy rows always pass (nothing better to check them against).
   */
  allowUnkeyed?: boolean;
}

/**
 * Walks one run's events in seq order, fed a page at a time, so a long log never has to sit in
 * memory. Each row must carry the next seq, link to the previous row's hash, and hash to itself:
 * an HMAC with the log key it names, or (legacy rows, when allowed) a plain sha256.
 */
export class ChainVerifier {
  private events = 0;
  private lastSeq = 0;
  private lastHash: string | null = null;
  private firstBroken: ChainBreak | null = null;
  private sawKeyedRow = false;
  private readonly keyById: ReadonlyMap<string, Buffer>;
  private readonly keyIds: string | null;
  private readonly allowUnkeyed: boolean;

  constructor(options: ChainKeys = { keys: [] }) {
    this.keyById = new Map(options.keys.map(({ id, key }) => [id, key]));
    this.keyIds = options.keys.length > 0 ? options.keys.map(({ id }) => id).join(',') : null;
    this.allowUnkeyed = options.allowUnkeyed ?? false;
  }

  add(row: ChainRow): void {
    this.events += 1;
    this.firstBroken ??= this.check(row);
    this.lastSeq = row.seq;
    this.lastHash = row.hash;
    if (row.hash_key_id !== null) this.sawKeyedRow = true;
  }

  /** The last row seen: what the `runs` projection's head must point at. */
  get head(): { lastSeq: number; lastHash: string | null } {
    return { lastSeq: this.lastSeq, lastHash: this.lastHash };
  }

  result(): ChainVerification {
    if (this.firstBroken) return { ok: false, events: this.events, firstBroken: this.firstBroken };
    return { ok: true, events: this.events, lastHash: this.lastHash };
  }

  private check(row: ChainRow): ChainBreak | null {
    const { seq } = row;
    const expectedSeq = this.lastSeq + 1;
    if (seq !== expectedSeq) return { seq, reason: 'seq_gap', expected: expectedSeq, actual: seq };
    if (row.prev_hash !== this.lastHash) return { seq, reason: 'prev_hash_mismatch', expected: this.lastHash, actual: row.prev_hash };
    let key: Buffer | null = null;
    if (row.hash_key_id === null) {
      if (this.keyIds !== null && (!this.allowUnkeyed || this.sawKeyedRow)) return { seq, reason: 'unkeyed', expected: this.keyIds, actual: null };
    } else {
      key = this.keyById.get(row.hash_key_id) ?? null;
      if (!key) return { seq, reason: 'unknown_key', expected: this.keyIds, actual: row.hash_key_id };
    }
    const recomputed = eventHash(row.prev_hash, row, key);
    if (recomputed !== row.hash) return { seq, reason: 'hash_mismatch', expected: recomputed, actual: row.hash };
    return null;
  }
}

/** Verifies one run's events (any order; they are walked by seq). Pure: no I/O, input untouched. */
export function verifyChain(rows: readonly ChainRow[], keys?: ChainKeys): ChainVerification {
  const verifier = new ChainVerifier(keys);
  for (const row of [...rows].sort((a, b) => a.seq - b.seq)) verifier.add(row);
  return verifier.result();
}

export interface RunLogVerification {
  runId: string;
  /** The chain holds and the projection's head points at its last row. */
  ok: boolean;
  chain: ChainVerification;
  /**
   * `runs.last_seq`/`last_hash` against the log's last row. A log cut short at its end still
   * chains perfectly; only the head recorded beside it shows that rows are missing.
   */
  head: { ok: boolean; log: { lastSeq: number; lastHash: string | null }; projection: { lastSeq: number; lastHash: string | null } };
}

/**
 * Verifies a run's stored log, reading it in pages inside one read-only REPEATABLE READ
 * transaction, so the pages and the `runs` row are one snapshot even while events are appended.
 * Keys: the pool's (FLIGHTDECK_LOG_KEYS, lib/event-log/state.ts) unless given. Returns null when
 * the tenant has no such run.
 */
export async function verifyRunLog(
  db: Knex,
  target: { tenantId: string; runId: string },
  options: { pageSize?: number; keys?: readonly NamedKey[]; allowUnkeyed?: boolean } = {},
): Promise<RunLogVerification | null> {
  const keys: ChainKeys = { keys: options.keys ?? eventLogOf(db).logKeys, allowUnkeyed: options.allowUnkeyed };
  return db.transaction(
    async (trx) => {
      const run = await trx<RunRow>('runs').where({ id: target.runId, tenant_id: target.tenantId }).first('last_seq', 'last_hash');
      if (!run) return null;
      const verifier = new ChainVerifier(keys);
      // By run id alone: a row whose tenant was rewritten must show up as a broken hash, not vanish.
      for await (const row of storedEventRows(trx, target.runId, options)) verifier.add(row);
      const chain = verifier.result();
      const projection = { lastSeq: run.last_seq, lastHash: run.last_hash };
      const headOk = projection.lastSeq === verifier.head.lastSeq && projection.lastHash === verifier.head.lastHash;
      return {
        runId: target.runId,
        ok: chain.ok && headOk,
        chain,
        head: { ok: headOk, log: verifier.head, projection },
      };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}
