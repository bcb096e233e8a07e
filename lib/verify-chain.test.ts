import { randomBytes } from 'node:crypto';
import { eventHash } from './event-log';
import type { EventType } from './events';
import type { NamedKey } from './key-list';
import { verifyChain, type ChainRow } from './verify-chain';

/**
 * A correctly chained log of `count` events, built the way appendEvents builds it: keyed (HMAC)
 * with `keyOf(seq)`'s key, or legacy sha256 where it gives none.
 */
function chainOf(count: number, keyOf: (seq: number) => NamedKey | null = () => null): ChainRow[] {
  const rows: ChainRow[] = [];
  let prevHash: string | null = null;
  for (let seq = 1; seq <= count; seq += 1) {
    const key = keyOf(seq);
    const unhashed = {
      tenant_id: 't1',
      run_id: 'run_1',
      seq,
      type: (seq === 1 ? 'run.created' : 'step.started') as EventType,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
      actor: null,
      data: { stepId: `s${seq}`, nested: { list: [seq, 'x'] } },
      dedupe_key: `run_1/${seq}`,
      hash_key_id: key?.id ?? null,
    };
    const hash = eventHash(prevHash, unhashed, key?.key ?? null);
    rows.push({ ...unhashed, prev_hash: prevHash, hash });
    prevHash = hash;
  }
  return rows;
}

const replaceAt = (rows: ChainRow[], seq: number, change: Partial<ChainRow>) => rows.map((row) => (row.seq === seq ? { ...row, ...change } : row));

describe('verifyChain', () => {
  it('accepts an intact chain and reports its length and last hash', () => {
    const rows = chainOf(5);
    expect(verifyChain(rows)).toEqual({ ok: true, events: 5, lastHash: rows[4]?.hash });
  });

  it('accepts an empty log', () => {
    expect(verifyChain([])).toEqual({ ok: true, events: 0, lastHash: null });
  });

  it('walks rows in seq order whatever order they come in, without reordering the input', () => {
    const rows = chainOf(4);
    const shuffled = [rows[2], rows[0], rows[3], rows[1]] as ChainRow[];
    expect(verifyChain(shuffled)).toMatchObject({ ok: true, events: 4 });
    expect(shuffled.map((row) => row.seq)).toEqual([3, 1, 4, 2]);
  });

  it('finds edited data as a hash mismatch at that seq', () => {
    const rows = chainOf(5);
    const result = verifyChain(replaceAt(rows, 3, { data: { stepId: 's3', nested: { list: [3, 'y'] } } }));
    expect(result).toEqual({
      ok: false,
      events: 5,
      firstBroken: { seq: 3, reason: 'hash_mismatch', expected: expect.stringMatching(/^[0-9a-f]{64}$/), actual: rows[2]?.hash },
    });
  });

  it.each<[string, Partial<ChainRow>]>([
    ['type', { type: 'run.completed' }],
    ['time', { at: new Date(0) }],
    ['actor', { actor: { type: 'user', id: 'mallory' } }],
    ['tenant', { tenant_id: 't2' }],
    ['dedupe key', { dedupe_key: 'other' }],
  ])('finds an edited %s', (_label, change) => {
    expect(verifyChain(replaceAt(chainOf(3), 2, change))).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'hash_mismatch' } });
  });

  it('finds a row whose hash was recomputed after an edit as a broken link at the next seq', () => {
    const rows = chainOf(4);
    const edited = { ...rows[1], data: { stepId: 'forged' } } as ChainRow;
    const rehashed = { ...edited, hash: eventHash(edited.prev_hash, edited) };
    const result = verifyChain(replaceAt(rows, 2, rehashed));
    expect(result).toEqual({
      ok: false,
      events: 4,
      firstBroken: { seq: 3, reason: 'prev_hash_mismatch', expected: rehashed.hash, actual: rows[1]?.hash },
    });
  });

  it('finds a missing row as a seq gap', () => {
    const rows = chainOf(5).filter((row) => row.seq !== 3);
    expect(verifyChain(rows)).toEqual({ ok: false, events: 4, firstBroken: { seq: 4, reason: 'seq_gap', expected: 3, actual: 4 } });
  });

  it('finds a log that does not start at 1', () => {
    const rows = chainOf(3).slice(1);
    expect(verifyChain(rows)).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'seq_gap', expected: 1, actual: 2 } });
  });

  it('reports only the first break', () => {
    const rows = replaceAt(replaceAt(chainOf(5), 4, { type: 'run.failed' }), 2, { type: 'run.failed' });
    expect(verifyChain(rows)).toMatchObject({ ok: false, events: 5, firstBroken: { seq: 2 } });
  });
});

describe('verifyChain with log keys (FLIGHTDECK_LOG_KEYS)', () => {
  const current = { id: 'k2', key: randomBytes(32) };
  const old = { id: 'k1', key: randomBytes(32) };
  const keyed = (count: number) => chainOf(count, () => current);

  it('accepts a chain keyed with a configured key, and keys each hash with its id', () => {
    const rows = keyed(4);
    expect(verifyChain(rows, { keys: [current] })).toEqual({ ok: true, events: 4, lastHash: rows[3]?.hash });
    // The same row as legacy sha256 hashes differently: the key and its id are part of the hash.
    const { hash: _hash, prev_hash: prevHash, ...unhashed } = rows[0]!;
    expect(eventHash(prevHash, { ...unhashed, hash_key_id: null })).not.toBe(rows[0]?.hash);
    expect(eventHash(prevHash, { ...unhashed, hash_key_id: 'k3' }, current.key)).not.toBe(rows[0]?.hash);
  });

  it('fails a run rewritten as legacy rows with recomputed sha256 hashes: unkeyed', () => {
    // What someone with database access can write without the key: a whole chain of plain sha256.
    const forged = chainOf(4);
    expect(verifyChain(forged, { keys: [current] })).toEqual({
      ok: false,
      events: 4,
      firstBroken: { seq: 1, reason: 'unkeyed', expected: 'k2', actual: null },
    });
    // Accepted only when told the installation has history from before keys, or has no keys at all.
    expect(verifyChain(forged, { keys: [current], allowUnkeyed: true })).toMatchObject({ ok: true });
    expect(verifyChain(forged, { keys: [] })).toMatchObject({ ok: true });
  });

  it('fails legacy rows after a keyed row even when legacy rows are allowed', () => {
    const downgraded = chainOf(4, (seq) => (seq <= 2 ? current : null));
    expect(verifyChain(downgraded, { keys: [current], allowUnkeyed: true })).toMatchObject({
      ok: false,
      firstBroken: { seq: 3, reason: 'unkeyed', expected: 'k2', actual: null },
    });
    // The other way round is an installation that configured keys mid-run.
    expect(
      verifyChain(
        chainOf(4, (seq) => (seq <= 2 ? null : current)),
        { keys: [current], allowUnkeyed: true },
      ),
    ).toMatchObject({ ok: true });
  });

  it('finds a row rewritten with another key of the same id as a hash mismatch', () => {
    const forger = { id: current.id, key: randomBytes(32) };
    const rows = chainOf(4, (seq) => (seq === 3 ? forger : current));
    expect(verifyChain(rows, { keys: [current] })).toMatchObject({ ok: false, firstBroken: { seq: 3, reason: 'hash_mismatch', actual: rows[2]?.hash } });
  });

  it('names a key id it does not hold: unknown_key', () => {
    const rows = chainOf(3, (seq) => (seq === 2 ? { id: 'stranger', key: randomBytes(32) } : current));
    expect(verifyChain(rows, { keys: [current, old] })).toEqual({
      ok: false,
      events: 3,
      firstBroken: { seq: 2, reason: 'unknown_key', expected: 'k2,k1', actual: 'stranger' },
    });
    expect(verifyChain(keyed(2), { keys: [] })).toMatchObject({ ok: false, firstBroken: { seq: 1, reason: 'unknown_key', expected: null, actual: 'k2' } });
  });

  it('verifies across a rotation: old rows with the old key, once the new key is first', () => {
    const rotated = chainOf(5, (seq) => (seq <= 3 ? old : current));
    expect(verifyChain(rotated, { keys: [current, old] })).toMatchObject({ ok: true, events: 5 });
    // Dropping the old key too early leaves its rows unverifiable.
    expect(verifyChain(rotated, { keys: [current] })).toMatchObject({ ok: false, firstBroken: { seq: 1, reason: 'unknown_key', actual: 'k1' } });
  });
});
