import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { answerKeyOf, answerTable, noAgent, type AnswerDeltaNotice } from '../../lib/answer-deltas';
import type { RunEvent } from '../../lib/events';
import { advanceCursor, type AnswerCursor, type AnswerPiece } from './answer-cursor';
import type { RunFeedObserver } from './run-feed';
import type { FrameSink } from './socket';

/**
 * - `waiting`: the run's stored events are still being sent; notices are ignored (the read that follows covers them).
 * - `reading`: the table is being read; notices wait in `buffered` and are applied after the read.
 * - `live`: notices are applied as they come.
 */
type Phase = 'waiting' | 'reading' | 'live';

interface AnswerSubscription {
  readonly tenantId: string;
  phase: Phase;
  buffered: AnswerDeltaNotice[];
  /** A gap or a resync came during a read: read once more after it. */
  readAgain: boolean;
  cursors: Map<string, AnswerCursor>;
  /** Per agent (`noAgent` in agent runs), the last turn whose model.called this subscriber was sent: its deltas are over. */
  closedTurns: Map<string, number>;
}

interface AnswerRow {
  agent: string;
  turn: number;
  attempt: number;
  text: string;
}

const retryReadMs = 1000;
const maxReadsPerCatchUp = 3;

/**
 * Streamed model answers for run subscribers (lib/answer-deltas.ts): `delta` frames with the
 * text as the worker writes it, and `delta.reset` when a retried call starts over. A subscriber is
 * sent the text so far once it has caught up with the run's stored events (one delta per answer,
 * read from `model_answers`), then the live pieces after it: offsets (answer-cursor.ts) make that
 * gapless and repeat-free however the read and the notices interleave, and a gap (notices lost
 * while the listener reconnected) is filled by reading again. The run feed tells this feed what it
 * sent: once a turn's model.called went to a subscriber, that turn sends it nothing more.
 */
export class AnswerFeed implements RunFeedObserver {
  private readonly runs = new Map<string, Map<FrameSink, AnswerSubscription>>();

  constructor(private readonly options: { db: Knex; log: Logger }) {}

  subscribed(sink: FrameSink, tenantId: string, runId: string): void {
    if (sink.acceptsDeltas === false) return;
    let subscribers = this.runs.get(runId);
    if (!subscribers) this.runs.set(runId, (subscribers = new Map()));
    subscribers.set(sink, { tenantId, phase: 'waiting', buffered: [], readAgain: false, cursors: new Map(), closedTurns: new Map() });
  }

  unsubscribed(sink: FrameSink, runId: string): void {
    const subscribers = this.runs.get(runId);
    if (!subscribers?.delete(sink)) return;
    if (subscribers.size === 0) this.runs.delete(runId);
  }

  caughtUp(sink: FrameSink, runId: string): void {
    const subscription = this.runs.get(runId)?.get(sink);
    if (subscription?.phase === 'waiting') void this.catchUp(sink, runId, subscription);
  }

  sent(sink: FrameSink, runId: string, event: RunEvent): void {
    if (event.type !== 'model.called') return;
    const subscription = this.runs.get(runId)?.get(sink);
    if (!subscription) return;
    const { turn, agent } = event.data as { turn: number; agent?: string };
    const agentKey = agent ?? noAgent;
    subscription.closedTurns.set(agentKey, Math.max(turn, subscription.closedTurns.get(agentKey) ?? 0));
    subscription.cursors.delete(answerKeyOf(agent, turn));
  }

  onDelta(notice: AnswerDeltaNotice): void {
    const subscribers = this.runs.get(notice.runId);
    if (!subscribers) return;
    for (const [sink, subscription] of subscribers) {
      if (subscription.tenantId !== notice.tenantId) continue;
      if (subscription.phase === 'reading') subscription.buffered.push(notice);
      else if (subscription.phase === 'live' && this.apply(sink, notice.runId, subscription, notice) === 'gap') {
        void this.catchUp(sink, notice.runId, subscription);
      }
    }
  }

  /** Notices were lost while the listener was away: every live subscriber reads the table again. */
  resync(): void {
    for (const [runId, subscribers] of this.runs) {
      for (const [sink, subscription] of subscribers) {
        if (subscription.phase === 'reading') subscription.readAgain = true;
        else if (subscription.phase === 'live') void this.catchUp(sink, runId, subscription);
      }
    }
  }

  close(): void {
    this.runs.clear();
  }

  private isCurrent(sink: FrameSink, runId: string, subscription: AnswerSubscription): boolean {
    return this.runs.get(runId)?.get(sink) === subscription;
  }

  /** Reads the run's answers so far, sends what the subscriber lacks, then what came meanwhile; live after. */
  private async catchUp(sink: FrameSink, runId: string, subscription: AnswerSubscription): Promise<void> {
    subscription.phase = 'reading';
    // A gap that outlives reads (a stale attempt's row was deleted meanwhile) must not loop: a few, then live.
    for (let reads = 0; reads < maxReadsPerCatchUp && (reads === 0 || subscription.readAgain); reads += 1) {
      subscription.readAgain = false;
      subscription.buffered = [];
      let rows: AnswerRow[];
      try {
        rows = await this.options
          .db(answerTable)
          .where({ tenant_id: subscription.tenantId, run_id: runId })
          .orderBy(['agent', 'turn'])
          .select<AnswerRow[]>('agent', 'turn', 'attempt', 'text');
      } catch (error) {
        this.options.log.warn({ err: error, runId }, 'could not read streamed answers; retrying');
        subscription.phase = 'waiting';
        setTimeout(() => {
          if (this.isCurrent(sink, runId, subscription) && subscription.phase === 'waiting') void this.catchUp(sink, runId, subscription);
        }, retryReadMs).unref();
        return;
      }
      if (!this.isCurrent(sink, runId, subscription)) return;
      const pieces = [
        ...rows.map((row) => ({ ...(row.agent === noAgent ? {} : { agent: row.agent }), turn: row.turn, attempt: row.attempt, offset: 0, text: row.text })),
        ...subscription.buffered,
      ];
      for (const piece of pieces) {
        if (this.apply(sink, runId, subscription, piece) === 'gap') subscription.readAgain = true;
      }
    }
    subscription.buffered = [];
    subscription.phase = 'live';
  }

  private apply(sink: FrameSink, runId: string, subscription: AnswerSubscription, piece: AnswerPiece & { agent?: string; turn: number }): 'sent' | 'gap' {
    const { agent, turn } = piece;
    if (turn <= (subscription.closedTurns.get(agent ?? noAgent) ?? 0)) return 'sent';
    const key = answerKeyOf(agent, turn);
    const step = advanceCursor(subscription.cursors.get(key), piece);
    if (step.gap) return 'gap';
    subscription.cursors.set(key, step.cursor);
    const answer = { runId, turn, ...(agent !== undefined ? { agent } : {}) };
    if (step.reset) sink.send({ type: 'delta.reset', ...answer });
    if (step.text.length > 0) sink.send({ type: 'delta', ...answer, text: step.text });
    return 'sent';
  }
}
