import fc from 'fast-check';
import { advanceCursor, type AnswerCursor, type AnswerPiece } from './answer-cursor';

/** What a subscriber's client ends up showing: the text of the deltas since the last reset. */
function deliver(pieces: AnswerPiece[], start?: AnswerCursor): { shown: string; gaps: number; resets: number; cursor?: AnswerCursor } {
  let cursor = start;
  let shown = '';
  let gaps = 0;
  let resets = 0;
  for (const piece of pieces) {
    const step = advanceCursor(cursor, piece);
    if (step.gap) {
      gaps += 1;
      continue;
    }
    if (step.reset) {
      shown = '';
      resets += 1;
    }
    shown += step.text;
    cursor = step.cursor;
  }
  return { shown, gaps, resets, ...(cursor ? { cursor } : {}) };
}

/** An answer cut into the chunks its NOTIFYs carry, each with its offset. */
const chunkedAnswer = fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 30 }).map((chunks) => {
  let offset = 0;
  return chunks.map((text) => {
    const piece = { attempt: 1, offset, text };
    offset += text.length;
    return piece;
  });
});
const textOf = (pieces: AnswerPiece[]) => pieces.map((piece) => piece.text).join('');

describe('advanceCursor', () => {
  it('sends the text so far, then exactly the rest, however the read and the notices overlap', () => {
    fc.assert(
      fc.property(chunkedAnswer, fc.nat(), fc.nat(), (pieces, readAt, firstNotice) => {
        // The read saw the first `read` chunks; the notices handed over after it start at some chunk at or before that.
        const read = readAt % (pieces.length + 1);
        const from = Math.min(firstNotice % (pieces.length + 1), read);
        const snapshot = { attempt: 1, offset: 0, text: textOf(pieces.slice(0, read)) };
        const { shown, gaps } = deliver([snapshot, ...pieces.slice(from)]);
        expect(gaps).toBe(0);
        expect(shown).toBe(textOf(pieces));
      }),
    );
  });

  it('never shows a wrong text when notices are lost: a gap says so, and a read fills it', () => {
    fc.assert(
      fc.property(chunkedAnswer, fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (pieces, kept) => {
        const arrived = pieces.filter((_, index) => kept[index]);
        const { shown, gaps, cursor } = deliver(arrived);
        const full = textOf(pieces);
        expect(full.startsWith(shown)).toBe(true);
        // Lost pieces at the end go unnoticed until more come; one lost before a piece that came is a gap.
        const last = arrived.at(-1);
        if (last && shown.length < last.offset + last.text.length) expect(gaps).toBeGreaterThan(0);
        // The read after a gap: the whole text, from which only the rest is sent.
        const after = deliver([{ attempt: 1, offset: 0, text: full }], cursor);
        expect(shown + after.shown).toBe(full);
      }),
    );
  });

  it('announces a later attempt with a reset before its text, and ignores an earlier one', () => {
    fc.assert(
      fc.property(chunkedAnswer, chunkedAnswer, (first, second) => {
        const retried = second.map((piece) => ({ ...piece, attempt: 2 }));
        const stale = first.map((piece) => ({ ...piece, offset: piece.offset + 1000 }));
        const { shown, resets } = deliver([...first, { attempt: 2, offset: 0, text: '' }, ...retried, ...stale]);
        expect(resets).toBe(1);
        expect(shown).toBe(textOf(second));
      }),
    );
  });

  it('gives a subscriber that saw nothing of the first attempt no reset', () => {
    expect(advanceCursor(undefined, { attempt: 2, offset: 0, text: 'hi' })).toEqual({
      gap: false,
      cursor: { attempt: 2, delivered: 2 },
      reset: false,
      text: 'hi',
    });
    expect(advanceCursor(undefined, { attempt: 1, offset: 3, text: 'hi' })).toEqual({ gap: true });
  });
});
