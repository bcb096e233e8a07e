/** How far one subscriber has been sent one answer: which attempt, and up to which offset (UTF-16). */
export interface AnswerCursor {
  attempt: number;
  delivered: number;
}

/** A piece of an answer's text: a NOTIFY's, or the whole text so far read from the table (offset 0). */
export interface AnswerPiece {
  attempt: number;
  offset: number;
  text: string;
}

/**
 * What to send for a piece: `reset` (a later attempt replaces what was sent), then `text` (only what
 * the subscriber has not had), and the cursor after it; or `gap` when text before the piece was
 * never seen, and only a read of the table can fill it. A piece of an earlier attempt, or one
 * wholly sent already, sends nothing.
 */
export type CursorStep = { gap: true } | { gap: false; cursor: AnswerCursor; reset: boolean; text: string };

export function advanceCursor(cursor: AnswerCursor | undefined, piece: AnswerPiece): CursorStep {
  const end = piece.offset + piece.text.length;
  if (!cursor || piece.attempt > cursor.attempt) {
    if (piece.offset > 0) return { gap: true };
    // A subscriber that had nothing of the earlier attempt has nothing to drop.
    return { gap: false, cursor: { attempt: piece.attempt, delivered: end }, reset: cursor !== undefined, text: piece.text };
  }
  if (piece.attempt < cursor.attempt || end <= cursor.delivered) return { gap: false, cursor, reset: false, text: '' };
  if (piece.offset > cursor.delivered) return { gap: true };
  return { gap: false, cursor: { attempt: cursor.attempt, delivered: end }, reset: false, text: piece.text.slice(cursor.delivered - piece.offset) };
}
