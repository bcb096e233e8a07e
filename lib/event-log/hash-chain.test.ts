import { randomBytes } from 'node:crypto';
import { createdFact, startedFact } from '../../test/event-facts';
import { chainFacts, eventHash } from './hash-chain';
import { KnownRuns } from './known-runs';

const target = { tenantId: 't', runId: 'run_1' };
const unkeyed = { redaction: {}, signingKey: null };
const created = createdFact('run_1');
const started = (index: number, args?: Record<string, unknown>) => startedFact('run_1', index, args);

describe('chainFacts: the next rows of a run chain', () => {
  it('numbers rows from the run, links each hash to the one before and projects the run after them', () => {
    const first = chainFacts(null, target, [created, started(1)], unkeyed);
    expect(first.rows.map((row) => [row.seq, row.prev_hash])).toEqual([
      [1, null],
      [2, first.rows[0]!.hash],
    ]);
    for (const row of first.rows) expect(row.hash).toBe(eventHash(row.prev_hash, row));
    expect(first.run).toMatchObject({ id: 'run_1', lastSeq: 2, lastHash: first.rows[1]!.hash, toolCalls: { started: 1 } });

    const next = chainFacts(first.run, target, [started(2)], unkeyed);
    expect(next.rows[0]).toMatchObject({ seq: 3, prev_hash: first.rows[1]!.hash });
  });

  it('redacts built-in and configured secret keys before hashing, so the hash covers what is stored', () => {
    const { rows } = chainFacts(null, target, [created, started(1, { apiKey: 'k-1', sessionRef: 's-1' })], {
      redaction: { extraKeys: ['sessionRef'] },
      signingKey: null,
    });
    expect(rows[1]!.data.args).toEqual({ apiKey: '[REDACTED]', sessionRef: '[REDACTED]' });
    expect(rows[1]!.hash).toBe(eventHash(rows[1]!.prev_hash, rows[1]!));
  });

  it('signs each row with the log key when one is given: an HMAC no one without the key can recompute', () => {
    const signingKey = { id: 'k1', key: randomBytes(32) };
    const { rows } = chainFacts(null, target, [created, started(1)], { redaction: {}, signingKey });
    expect(rows.map((row) => row.hash_key_id)).toEqual(['k1', 'k1']);
    for (const row of rows) {
      expect(row.hash).toBe(eventHash(row.prev_hash, row, signingKey.key));
      expect(row.hash).not.toBe(eventHash(row.prev_hash, row, randomBytes(32)));
      expect(row.hash).not.toBe(eventHash(row.prev_hash, { ...row, hash_key_id: null }));
    }
    expect(() => eventHash(rows[0]!.prev_hash, rows[0]!)).toThrow('key k1 is needed');
    const legacy = chainFacts(null, target, [created], unkeyed).rows[0]!;
    expect(legacy.hash_key_id).toBeNull();
    expect(() => eventHash(null, legacy, signingKey.key)).toThrow('a legacy row takes no key');
  });

  it('fails a chain whose first fact creates no run', () => {
    expect(() => chainFacts(null, target, [started(1)], unkeyed)).toThrow('the first event must be run.created');
  });
});

describe('KnownRuns: what an optimistic append expects', () => {
  const projected = (runId: string) => chainFacts(null, { tenantId: 't', runId }, [createdFact(runId)], unkeyed).run;

  it('keeps keys across appends, forgets on request, and never keeps an ended run', () => {
    const known = new KnownRuns();
    const run = projected('run_1');
    known.remember(run, ['a']);
    known.remember(run, ['b']);
    expect([...known.get('run_1')!.storedKeys]).toEqual(['a', 'b']);
    known.forget('run_1');
    expect(known.get('run_1')).toBeUndefined();
    known.remember({ ...run, completedAt: new Date() }, ['c']);
    expect(known.get('run_1')).toBeUndefined();
  });

  it('drops the least recently written run past its bound and starts a full key set afresh', () => {
    const known = new KnownRuns({ runs: 2, keysPerRun: 2 });
    known.remember(projected('run_1'), ['a']);
    known.remember(projected('run_2'), ['a']);
    known.remember(projected('run_1'), ['b']);
    known.remember(projected('run_3'), ['a']);
    expect(known.get('run_2')).toBeUndefined();
    expect([...known.get('run_1')!.storedKeys]).toEqual(['a', 'b']);
    known.remember(projected('run_1'), ['c']);
    expect([...known.get('run_1')!.storedKeys]).toEqual(['c']);
  });
});
