import fc from 'fast-check';
import { noticeTextMaxBytes, splitForNotify } from './answer-deltas';

describe('splitForNotify', () => {
  it('keeps a small text whole', () => {
    expect(splitForNotify('hello', 7)).toEqual([{ offset: 7, text: 'hello' }]);
    expect(splitForNotify('', 0)).toEqual([{ offset: 0, text: '' }]);
  });

  it('cuts a large text into pieces under the budget, at code points, with offsets that add up', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 8, max: 64 }), fc.nat(100), (text, maxBytes, offset) => {
        const pieces = splitForNotify(text, offset, maxBytes);
        expect(pieces.map((piece) => piece.text).join('')).toBe(text);
        let at = offset;
        for (const piece of pieces) {
          expect(piece.offset).toBe(at);
          at += piece.text.length;
          expect(Buffer.byteLength(JSON.stringify(piece.text)) - 2).toBeLessThanOrEqual(Math.max(maxBytes, 12));
          expect(piece.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
        }
      }),
    );
  });

  it('fits a NOTIFY payload (under 8000 bytes) for a long answer of escapes and emoji', () => {
    const text = '"\\\n😀é'.repeat(3000);
    const pieces = splitForNotify(text, 0);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces)
      expect(Buffer.byteLength(JSON.stringify({ tenantId: 't', runId: 'run_x', turn: 1, attempt: 1, offset: 0, text: piece.text }))).toBeLessThan(8000);
    expect(noticeTextMaxBytes).toBeLessThan(8000);
  });
});
