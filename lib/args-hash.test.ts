import { createHash } from 'node:crypto';
import { argsHashOf, canonicalJson, sha256Hex } from './args-hash';

describe('argsHashOf', () => {
  it('is SHA-256 as Node computes it, for ASCII, multi-byte text and every padding length', () => {
    const texts = ['', 'abc', 'héllo wörld ✓ 🚀', ...Array.from({ length: 130 }, (_, n) => 'x'.repeat(n))];
    for (const text of texts) expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });

  it('ignores key order at every level but not array order or values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(argsHashOf({ b: 1, a: { y: 2, x: 1 } })).toBe(argsHashOf({ a: { x: 1, y: 2 }, b: 1 }));
    expect(argsHashOf({ a: [1, 2] })).not.toBe(argsHashOf({ a: [2, 1] }));
    expect(argsHashOf({ a: '1' })).not.toBe(argsHashOf({ a: 1 }));
    expect(argsHashOf({ message: 'hi' })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
