import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { answerDeltasChannel, answerTable, noAgent, splitForNotify, type AnswerDeltaNotice } from '../lib/answer-deltas';
import type { WorkflowFact } from '../lib/workflow-contract';

/** Which answer a stream carries: one model call (`attempt`: its activity attempt) of one turn of a run. */
export interface AnswerStreamKey {
  tenantId: string;
  runId: string;
  turn: number;
  agent?: string;
  attempt: number;
}

export interface AnswerStream {
  /** Text the provider just sent. Never throws and never blocks the model call; delivery is best effort. */
  delta(text: string): void;
  /** The answer is complete (or the attempt failed): flushes what is buffered and ends this stream. Never throws. */
  close(): Promise<void>;
}

export interface AnswerStreams {
  open(key: AnswerStreamKey): AnswerStream;
}

export interface AnswerStreamsOptions {
  /** How long deltas gather before one write carries them (every open stream's in one statement). */
  coalesceMs?: number;
  /** Rows untouched this long are deleted (an answer whose model.called never came: a crashed worker, a cancelled run). */
  maxAgeMs?: number;
  /** How long writes pause after one failed (the database is down or slow). */
  retryMs?: number;
  /** The longest `close` waits for its final write, so a slow database never holds up a model call's result. */
  closeTimeoutMs?: number;
}

interface StreamState {
  readonly key: AnswerStreamKey;
  /** Everything the provider sent so far. */
  text: string;
  /** How much of `text` the row holds. */
  stored: number;
  /** The row is not known to hold `text` up to `stored`: the next write replaces it with the whole text. */
  resend: boolean;
  /** A retried call writes once at open, so clients drop the earlier attempt's text before new deltas. */
  announce: boolean;
  /** The row belongs to a later attempt: this one writes no more. */
  stale: boolean;
  closed: boolean;
}

interface PendingWrite {
  state: StreamState;
  from: number;
  upto: number;
}

const identity = (key: AnswerStreamKey) => [key.tenantId, key.runId, key.agent ?? noAgent, key.turn] as const;
const sameAnswer = (a: AnswerStreamKey, b: AnswerStreamKey) => identity(a).join('\u0000') === identity(b).join('\u0000');

/**
 * Answer streams over Postgres. Every `coalesceMs` one statement writes what all dirty streams of
 * this worker gathered: it appends to each answer's row and NOTIFYs `model_deltas` with the piece,
 * so 100 concurrent answers cost ~1000/coalesceMs statements a second, not one per provider chunk
 * each. Each write is guarded by the row's attempt and length: a write that does not follow the
 * stored text is refused, and the stream then resends its whole text; a stale attempt's is refused for good.
 */
export function createAnswerStreams(db: Knex, log: Logger, options: AnswerStreamsOptions = {}): AnswerStreams {
  const coalesceMs = options.coalesceMs ?? 10;
  const maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000;
  const retryMs = options.retryMs ?? 1000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 2000;
  const dirty = new Set<StreamState>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  let pausedUntil = 0;
  let lastPrune = 0;

  const schedule = (delayMs: number) => {
    if (timer || flushing || dirty.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, delayMs);
    timer.unref();
  };

  /** One write of every dirty stream; what fails stays dirty for the next. */
  const flush = (): Promise<void> => {
    if (flushing) return flushing;
    if (timer) clearTimeout(timer);
    timer = null;
    const startedAt = Date.now();
    flushing = writeBatch(db, dirty, takeWrites(dirty))
      .then(
        () => undefined,
        (error: unknown) => {
          pausedUntil = Date.now() + retryMs;
          log.warn({ err: error }, 'could not write streamed answer text; retrying');
        },
      )
      .finally(() => {
        flushing = null;
        schedule(Math.max(0, Math.max(pausedUntil, startedAt + coalesceMs) - Date.now()));
      });
    return flushing;
  };

  const prune = () => {
    if (Date.now() - lastPrune < 60_000) return;
    lastPrune = Date.now();
    db(answerTable)
      .where('updated_at', '<', new Date(Date.now() - maxAgeMs))
      .delete()
      .catch((error: unknown) => log.warn({ err: error }, 'could not delete old streamed answers'));
  };

  return {
    open(key) {
      prune();
      const state: StreamState = { key, text: '', stored: 0, resend: false, announce: key.attempt > 1, stale: false, closed: false };
      if (state.announce) {
        dirty.add(state);
        schedule(0);
      }
      return {
        delta(text) {
          if (state.closed || state.stale || typeof text !== 'string' || text.length === 0) return;
          state.text += text;
          dirty.add(state);
          schedule(Math.max(coalesceMs, pausedUntil - Date.now()));
        },
        async close() {
          if (state.closed) return;
          state.closed = true;
          // The final write goes now, and again if it failed or raced a batch without it; never past the timeout.
          const drain = async () => {
            for (let tries = 0; tries < 3 && dirty.has(state); tries += 1) {
              await (flushing ?? Promise.resolve());
              if (dirty.has(state)) await flush();
            }
          };
          let timeout: NodeJS.Timeout | undefined;
          await Promise.race([drain(), new Promise<void>((resolve) => (timeout = setTimeout(resolve, closeTimeoutMs)))]);
          clearTimeout(timeout);
          dirty.delete(state);
        },
      };
    },
  };
}

/**
 * The writes of this batch (they stay dirty until written). One per answer: a zombie attempt of the same answer in this worker waits for the next batch.
 */
function takeWrites(dirty: Set<StreamState>): PendingWrite[] {
  const writes: PendingWrite[] = [];
  for (const state of dirty) {
    if (state.stale) {
      dirty.delete(state);
      continue;
    }
    const rival = writes.findIndex((write) => sameAnswer(write.state.key, state.key));
    if (rival >= 0 && writes[rival]!.state.key.attempt >= state.key.attempt) continue;
    if (rival >= 0) writes.splice(rival, 1);
    writes.push({ state, from: state.resend ? 0 : state.stored, upto: state.text.length });
  }
  return writes;
}

/** Writes a batch; a stream leaves `dirty` once the row holds all its text (a failed batch leaves them all in). */
async function writeBatch(db: Knex, dirty: Set<StreamState>, writes: PendingWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const rows = writes.map(({ state, from, upto }) => ({
    tenant_id: state.key.tenantId,
    run_id: state.key.runId,
    agent: state.key.agent ?? noAgent,
    turn: state.key.turn,
    attempt: state.key.attempt,
    text: state.text.slice(from, upto),
    text_length: upto,
    chunk_start: from,
    // Only a stream's first write creates its row: a row gone mid-answer was deleted at its model.called, and the writer is a zombie.
    may_insert: state.stored === 0 && !state.resend,
  }));
  const notices = writes.flatMap(({ state, from, upto }, index) =>
    splitForNotify(state.text.slice(from, upto), from).map((piece, order) => ({
      row: index,
      ord: order,
      payload: JSON.stringify({
        tenantId: state.key.tenantId,
        runId: state.key.runId,
        ...(state.key.agent !== undefined ? { agent: state.key.agent } : {}),
        turn: state.key.turn,
        attempt: state.key.attempt,
        offset: piece.offset,
        text: piece.text,
      } satisfies AnswerDeltaNotice),
    })),
  );
  const stored = await upsertAndNotify(db, rows, notices);
  writes.forEach((write, index) => {
    const { state } = write;
    if (stored.has(index)) {
      state.stored = write.upto;
      state.resend = false;
      state.announce = false;
    } else if (write.from === 0) {
      state.stale = true; // even a whole-text write was refused: a later attempt owns the row
    } else {
      state.resend = true; // the row does not end where this stream's last write did
    }
    if (state.stale || (state.stored === state.text.length && !state.resend && !state.announce)) dirty.delete(state);
  });
}

/**
 * One statement: upserts every row (an append only where it follows the stored text of the same
 * attempt; a whole text from offset 0 replaces an earlier attempt's or its own; a new row only for
 * a stream's first write), then NOTIFYs the
 * pieces of the rows it stored, in order. Returns the indexes of the rows it stored.
 */
async function upsertAndNotify(
  db: Knex,
  rows: Array<Record<string, string | number | boolean>>,
  notices: Array<{ row: number; ord: number; payload: string }>,
): Promise<Set<number>> {
  const indexed = rows.map((row, index) => ({ ...row, row: index }));
  const { rows: stored } = (await db.raw(
    `
    WITH incoming AS (
      SELECT * FROM jsonb_to_recordset(?::jsonb)
        AS x(row integer, tenant_id text, run_id text, agent text, turn integer, attempt integer, text text, text_length integer, chunk_start integer, may_insert boolean)
    ),
    stored AS (
      INSERT INTO ${answerTable} AS a (tenant_id, run_id, agent, turn, attempt, text, text_length, chunk_start, updated_at)
      SELECT i.tenant_id, i.run_id, i.agent, i.turn, i.attempt, i.text, i.text_length, i.chunk_start, now() FROM incoming i
      WHERE i.may_insert OR EXISTS (
        SELECT 1 FROM ${answerTable} m WHERE m.tenant_id = i.tenant_id AND m.run_id = i.run_id AND m.agent = i.agent AND m.turn = i.turn
      )
      ON CONFLICT (tenant_id, run_id, agent, turn) DO UPDATE SET
        text = CASE WHEN excluded.chunk_start = 0 THEN excluded.text ELSE a.text || excluded.text END,
        attempt = excluded.attempt,
        text_length = excluded.text_length,
        chunk_start = excluded.chunk_start,
        updated_at = now()
      WHERE (excluded.chunk_start = 0 AND a.attempt <= excluded.attempt)
         OR (a.attempt = excluded.attempt AND a.text_length = excluded.chunk_start)
      RETURNING a.tenant_id, a.run_id, a.agent, a.turn, a.attempt
    ),
    notices AS (
      SELECT * FROM jsonb_to_recordset(?::jsonb) AS n(row integer, ord integer, payload text)
    )
    SELECT i.row, (
      SELECT count(pg_notify('${answerDeltasChannel}', p.payload))
      FROM (SELECT n.payload FROM notices n WHERE n.row = i.row ORDER BY n.ord OFFSET 0) p
    ) AS notified
    FROM stored s
    JOIN incoming i ON i.tenant_id = s.tenant_id AND i.run_id = s.run_id AND i.agent = s.agent AND i.turn = s.turn AND i.attempt = s.attempt
    `,
    [JSON.stringify(indexed), JSON.stringify(notices)],
  )) as { rows: Array<{ row: number }> };
  return new Set(stored.map((row) => Number(row.row)));
}

/**
 * Deletes the rows of the answers these facts record (`model.called`): from now on the log holds
 * the answer. Best effort: a row left behind goes by age, and the API stops a turn's deltas at its
 * model.called whatever the table says.
 */
export async function forgetRecordedAnswers(db: Knex, log: Logger, tenantId: string, runId: string, facts: readonly WorkflowFact[]): Promise<void> {
  const answers = facts.flatMap((fact) => (fact.type === 'model.called' ? [{ agent: fact.data.agent ?? noAgent, turn: fact.data.turn }] : []));
  if (answers.length === 0) return;
  try {
    await db(answerTable)
      .where({ tenant_id: tenantId, run_id: runId })
      .andWhere((where) => {
        for (const answer of answers) void where.orWhere(answer);
      })
      .delete();
  } catch (error) {
    log.warn({ err: error, runId }, 'could not delete a streamed answer after its model.called');
  }
}
