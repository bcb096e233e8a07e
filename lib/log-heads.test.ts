import { randomBytes } from 'node:crypto';
import { openHeads, signHeads } from './log-heads';

const key = { id: 'k1', key: randomBytes(32) };
const heads = [
  { tenantId: 't', runId: 'run_1', lastSeq: 6, lastHash: 'a'.repeat(64) },
  { tenantId: 't', runId: 'run_2', lastSeq: 0, lastHash: null },
];

describe('signed heads documents', () => {
  it('open with the key that signed them, found by its id among several', () => {
    const document = signHeads(heads, key, new Date('2026-11-25T00:00:00Z'));
    expect(document).toMatchObject({ format: 'flightdeck-log-heads/1', exportedAt: '2026-11-25T00:00:00.000Z', keyId: 'k1', heads });
    expect(openHeads(JSON.stringify(document), [{ id: 'k2', key: randomBytes(32) }, key])).toEqual({ ok: true, document });
  });

  it.each<[string, (document: ReturnType<typeof signHeads>) => unknown]>([
    ['a head moved back', (document) => ({ ...document, heads: [{ ...heads[0], lastSeq: 5 }, heads[1]] })],
    ['a head dropped', (document) => ({ ...document, heads: [heads[0]] })],
    ['its time changed', (document) => ({ ...document, exportedAt: '2027-01-01T00:00:00.000Z' })],
    ['another signature', (document) => ({ ...document, signature: 'b'.repeat(64) })],
  ])('refuse one with %s', (_label, tamper) => {
    const opened = openHeads(JSON.stringify(tamper(signHeads(heads, key))), [key]);
    expect(opened).toEqual({ ok: false, problem: expect.stringContaining('signature does not verify with log key "k1"') });
  });

  it('refuse one signed with another key of that id, with a key not held, or not a heads document', () => {
    const forged = signHeads(heads, { id: 'k1', key: randomBytes(32) });
    expect(openHeads(JSON.stringify(forged), [key])).toMatchObject({ ok: false, problem: expect.stringContaining('signature does not verify') });
    expect(openHeads(JSON.stringify(signHeads(heads, key)), [{ id: 'k2', key: randomBytes(32) }])).toEqual({
      ok: false,
      problem: 'signed with log key "k1", which FLIGHTDECK_LOG_KEYS does not hold',
    });
    expect(openHeads('{', [key])).toEqual({ ok: false, problem: 'not JSON' });
    expect(openHeads(JSON.stringify({ ...signHeads(heads, key), extra: 1 }), [key])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('not a flightdeck-log-heads/1 document'),
    });
  });
});
