'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import type { AnswerDelta } from '../../../lib/api-client';
import { runEndEventTypes, type RunEvent } from '../../../lib/events';
import { LiveIndicator } from '@/components/live/live-indicator';
import { useLiveStream } from '@/components/live/use-live-stream';
import { applyDelta, settleAnswer, type StreamingAnswer } from '@/lib/streaming-answers';
import { buildTimeline, chatMessages } from '@/lib/timeline';
import { ChatBox } from './chat-box';
import { ForkRunDialog } from './derive-run-dialogs';
import { ForkFromStep, Timeline } from './timeline';

// The header, facts and output are server-rendered: read them again when the run's state changes.
const REFRESHING_EVENTS = new Set<string>([...Object.values(runEndEventTypes), 'approval.requested', 'approval.decided']);

/**
 * A run's events, the server's first read plus the live stream after its last seq. Each seq is
 * kept once, in order: a repeat is dropped, and a gap (which the stream never sends) would show
 * in `data-event-count` against `data-last-seq`.
 */
export function RunLive({
  runId,
  initialEvents,
  ended,
  chat,
  canFork,
}: {
  runId: string;
  initialEvents: RunEvent[];
  ended: boolean;
  chat: { canSend: boolean } | null;
  /** Whether the viewer may fork the run (an operator): each step's header then offers "Fork from here". */
  canFork: boolean;
}) {
  const router = useRouter();
  const [forkFrom, setForkFrom] = useState<string | null>(null);
  const [events, setEvents] = useState(initialEvents);
  // Model answers while they stream; each gives way to its model.called in the timeline.
  const [answers, setAnswers] = useState<StreamingAnswer[]>([]);
  const lastSeq = events.at(-1)?.seq ?? 0;
  // The stream starts once, after the events the server rendered; EventSource resumes it from there.
  const [streamUrl] = useState(() => (ended ? null : `/api/live/runs/${encodeURIComponent(runId)}?afterSeq=${initialEvents.at(-1)?.seq ?? 0}`));

  const onEvent = useCallback(
    (data: unknown) => {
      const event = data as RunEvent;
      setEvents((previous) => {
        const last = previous.at(-1)?.seq ?? 0;
        return event.seq === last + 1 ? [...previous, event] : previous;
      });
      setAnswers((previous) => settleAnswer(previous, event, { keepFinal: !chat }));
      if (REFRESHING_EVENTS.has(event.type)) router.refresh();
    },
    [router, chat],
  );
  const onDelta = useCallback((data: unknown) => setAnswers((previous) => applyDelta(previous, data as AnswerDelta)), []);
  const clearAnswers = useCallback(() => setAnswers([]), []);
  const live = useLiveStream(streamUrl, { event: onEvent, delta: onDelta }, clearAnswers);
  const liveState = streamUrl === null ? { status: 'ended' as const, reconnects: 0, error: null } : live;

  const rows = useMemo(() => buildTimeline(events), [events]);
  const messages = useMemo(() => (chat ? chatMessages(events) : []), [chat, events]);

  return (
    <div className="space-y-6">
      {chat && <ChatBox runId={runId} messages={messages} canSend={chat.canSend} />}
      {answers.map((answer) => (
        <section
          key={answer.key}
          className="card p-4"
          aria-live="polite"
          aria-label={`Answer of turn ${answer.turn}${answer.agent ? ` (${answer.agent})` : ''}${answer.final ? '' : ', streaming'}`}
          data-testid={answer.final ? 'final-answer' : 'streaming-answer'}
          data-turn={answer.turn}
        >
          <p className="muted mb-1 text-sm">
            Turn {answer.turn}
            {answer.agent ? ` · ${answer.agent}` : ''} · {answer.final ? 'answer' : 'answering…'}
          </p>
          <p className="whitespace-pre-wrap">{answer.text}</p>
        </section>
      ))}
      <section aria-labelledby="timeline-heading" data-testid="timeline" data-event-count={events.length} data-last-seq={lastSeq}>
        <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
          <h2 id="timeline-heading" className="text-lg font-semibold">
            Timeline
          </h2>
          <div className="flex items-center gap-3 text-sm">
            <span className="muted tabular-nums">
              {events.length} events · seq {lastSeq}
            </span>
            <LiveIndicator state={liveState} />
          </div>
        </div>
        {events.length === 0 ? (
          <p className="muted text-sm">No events yet: the run is being created. They appear here as they happen.</p>
        ) : (
          <ForkFromStep value={canFork ? setForkFrom : null}>
            <Timeline rows={rows} />
          </ForkFromStep>
        )}
        {forkFrom !== null && <ForkRunDialog key={forkFrom} runId={runId} fromStep={forkFrom} onClose={() => setForkFrom(null)} />}
      </section>
    </div>
  );
}
