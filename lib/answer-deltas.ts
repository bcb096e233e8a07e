import { z } from 'zod';

/**
 * The wire between the worker's answer streams (activities/answer-stream.ts) and the API's answer
 * feed (api/stream/answer-feed.ts): the model's text so far lives in `model_answers`, one row per
 * (tenant, run, agent, turn), and every write NOTIFYs `model_deltas` with the piece it appended.
 * Offsets and lengths count UTF-16 code units (JavaScript string indices) on both ends.
 */
export const answerDeltasChannel = 'model_deltas';
export const answerTable = 'model_answers';

/** One NOTIFY: `text` starts at `offset` of the answer of `attempt`; an empty text announces a new attempt. */
export const answerDeltaNotice = z.object({
  tenantId: z.string(),
  runId: z.string(),
  /** The `ctx.agent` call's step name; absent in agent runs. */
  agent: z.string().optional(),
  turn: z.number().int(),
  attempt: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  text: z.string(),
});
export type AnswerDeltaNotice = z.infer<typeof answerDeltaNotice>;

/** A NOTIFY payload must stay under 8000 bytes; this leaves room for the notice's other fields. */
export const noticeTextMaxBytes = 7000;

/** The column value standing for "no agent" (the table's key cannot hold a null). */
export const noAgent = '';

/** Where one answer ends and the next begins in the maps both ends keep. */
export const answerKeyOf = (agent: string | undefined, turn: number): string => `${agent ?? noAgent}\u0000${turn}`;

/**
 * Splits `text` into pieces whose JSON string encoding takes at most `maxBytes` bytes of UTF-8,
 * never inside a code point, each with the offset (UTF-16) it starts at. An empty text is one empty piece.
 */
export function splitForNotify(text: string, offset: number, maxBytes: number = noticeTextMaxBytes): Array<{ offset: number; text: string }> {
  if (Buffer.byteLength(JSON.stringify(text)) - 2 <= maxBytes) return [{ offset, text }];
  const pieces: Array<{ offset: number; text: string }> = [];
  let start = 0;
  let bytes = 0;
  let at = 0;
  for (const char of text) {
    const size = Buffer.byteLength(JSON.stringify(char)) - 2;
    if (bytes + size > maxBytes && at > start) {
      pieces.push({ offset: offset + start, text: text.slice(start, at) });
      start = at;
      bytes = 0;
    }
    bytes += size;
    at += char.length;
  }
  pieces.push({ offset: offset + start, text: text.slice(start) });
  return pieces;
}
