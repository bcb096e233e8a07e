'use client';

import { useWindowVirtualizer } from '@tanstack/react-virtual';
import Link from 'next/link';
import { createContext, use, useRef } from 'react';
import { Timestamp } from '@/components/ui/timestamp';
import type { ConnectionEntry, LaneRow, TimelineRow } from '@/lib/timeline';
import { formatCount, formatUsd, tokensSummary } from '@/lib/usage';

/** Set when the viewer may fork the run: a step's header then offers "Fork from here", which calls it with the step's id. */
export const ForkFromStep = createContext<((stepId: string) => void) | null>(null);

function GroupHeader({ row }: { row: Extract<TimelineRow, { kind: 'group' }> }) {
  const fork = use(ForkFromStep);
  const stepId = row.id.startsWith('step:') ? row.id.slice('step:'.length) : null;
  return (
    <div className="mt-3 flex items-baseline gap-2 border-b border-zinc-200 pb-1 pt-2 dark:border-zinc-800" data-group={row.id}>
      <h3 className="font-semibold">{row.title}</h3>
      {row.subtitle && <code className="muted text-xs">{row.subtitle}</code>}
      {fork && stepId !== null && (
        <button type="button" className="link ml-auto text-xs" onClick={() => fork(stepId)} aria-label={`Fork from here: step ${stepId}`}>
          Fork from here
        </button>
      )}
    </div>
  );
}

const formatMs = (ms: number | null) => (ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);

const EVENT_LABEL: Record<string, string> = {
  'run.created': 'Run created',
  'run.started': 'Run started',
  'run.completed': 'Run completed',
  'run.failed': 'Run failed',
  'run.cancelled': 'Run cancelled',
  'run.terminated': 'Run terminated',
  'run.cancel_requested': 'Cancel requested',
  'message.received': 'Message received',
  'signal.rejected': 'Signal refused (not signed by the API)',
  'step.started': 'Step started',
  'step.skipped': 'Step skipped',
  'child.started': 'Child run started',
  'child.completed': 'Child run completed',
  'child.failed': 'Child run failed',
};

const CONNECTION_TONE: Record<ConnectionEntry['kind'], string> = { required: 'border-amber-500', resolved: 'border-emerald-500', expired: 'border-red-500' };

function ConnectionRow({ entry }: { entry: ConnectionEntry }) {
  const text =
    entry.kind === 'required'
      ? `Waiting for a ${entry.toolkit} connection of user ${entry.userId}${entry.timeout ? ` (up to ${entry.timeout})` : ''}`
      : entry.kind === 'resolved'
        ? `Connected: ${entry.toolkit} of user ${entry.userId}${entry.who ? ` (resumed by ${entry.who})` : ''}`
        : `No ${entry.toolkit} connection of user ${entry.userId} within ${entry.timeout ?? 'the timeout'}`;
  return (
    <div className={`ml-2 border-l-2 py-1.5 pl-3 text-sm ${CONNECTION_TONE[entry.kind]}`} data-connection={entry.kind}>
      <span className="font-medium">{text}</span>{' '}
      <span className="muted text-xs">
        #{entry.seq} · <Timestamp iso={entry.at} />
      </span>
      {entry.hint && <div className="muted text-xs">{entry.hint}</div>}
      {entry.connectedAccountId && (
        <div className="muted text-xs">
          account <code>{entry.connectedAccountId}</code>
        </div>
      )}
      {entry.kind !== 'resolved' && (
        <Link href={`/connections?userId=${encodeURIComponent(entry.userId)}`} className="text-xs underline">
          Connections of {entry.userId}
        </Link>
      )}
    </div>
  );
}

/** Steps that ran at the same time, one column per lane (each lane's steps did not overlap). */
function Lanes({ lanes }: { lanes: LaneRow[][] }) {
  return (
    <div className="overflow-x-auto" data-lanes={lanes.length}>
      <div className="grid gap-3" style={{ gridTemplateColumns: `repeat(${lanes.length}, minmax(16rem, 1fr))` }}>
        {lanes.map((lane, index) => (
          <div key={index} data-lane={index}>
            {lane.map((row, at) => (
              <Row key={at} row={row} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

function Row({ row }: { row: TimelineRow }) {
  switch (row.kind) {
    case 'lanes':
      return <Lanes lanes={row.lanes} />;
    case 'group':
      return <GroupHeader row={row} />;
    case 'attempt': {
      const { attempt } = row;
      const tone = attempt.outcome === 'succeeded' ? 'border-emerald-500' : attempt.outcome === 'failed' ? 'border-red-500' : 'border-blue-500';
      return (
        <div className={`ml-2 border-l-2 py-1.5 pl-3 text-sm ${tone}`} data-attempt={attempt.attempt} data-outcome={attempt.outcome}>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-0.5">
            <span className="font-medium">
              Attempt {attempt.attempt} · {attempt.outcome}
            </span>
            <span className="muted tabular-nums">{formatMs(attempt.durationMs)}</span>
            {attempt.startedAt && (
              <span className="muted text-xs">
                <Timestamp iso={attempt.startedAt} />
              </span>
            )}
            {attempt.progress && (
              <span className="muted text-xs tabular-nums" data-progress={attempt.progress.progress}>
                progress {attempt.progress.progress}
                {attempt.progress.total !== null ? `/${attempt.progress.total}` : ''}
                {attempt.progress.message ? ` · ${attempt.progress.message}` : ''}
              </span>
            )}
          </div>
          {attempt.outcome === 'failed' && (
            <div className="mt-0.5 text-xs">
              <span className="font-semibold text-red-700 dark:text-red-400">{attempt.errorClass ?? 'Error'}</span>
              {attempt.errorMessage && <span className="muted">: {attempt.errorMessage}</span>}
              {attempt.nextRetryDelayMs !== null ? (
                <span className="ml-2 text-amber-800 dark:text-amber-300">retry in {formatMs(attempt.nextRetryDelayMs)}</span>
              ) : attempt.retryable === false ? (
                <span className="ml-2 muted">not retried</span>
              ) : null}
            </div>
          )}
        </div>
      );
    }
    case 'approval': {
      const { entry } = row;
      const text =
        entry.kind === 'requested'
          ? 'Approval requested'
          : entry.kind === 'expired'
            ? 'Approval expired'
            : `${entry.kind === 'decided' ? 'Decided' : 'Submitted'}: ${entry.decision ?? '?'}${entry.edited ? ' with edited args' : ''}${entry.who.length ? ` by ${entry.who.join(', ')}` : ''}`;
      return (
        <div className="ml-2 border-l-2 border-amber-500 py-1.5 pl-3 text-sm" data-approval={entry.kind}>
          <span className="font-medium">{text}</span>{' '}
          <span className="muted text-xs">
            <Timestamp iso={entry.at} />
          </span>
          {entry.comment && <p className="muted text-xs">“{entry.comment}”</p>}
        </div>
      );
    }
    case 'connection':
      return <ConnectionRow entry={row.entry} />;
    case 'custom': {
      const { entry } = row;
      return (
        <div className="ml-2 border-l-2 border-sky-500 py-1.5 pl-3 text-sm" data-custom-event={entry.name}>
          <span className="font-medium">Event {entry.name}</span>{' '}
          <span className="muted text-xs">
            #{entry.seq} · <Timestamp iso={entry.at} />
          </span>
          <div className="muted truncate font-mono text-xs">{entry.preview}</div>
        </div>
      );
    }
    case 'model': {
      const { call } = row;
      return (
        <div className="ml-2 border-l-2 border-violet-500 py-1.5 pl-3 text-sm" data-model-turn={call.turn} data-cost-usd={call.costUsd ?? 'unpriced'}>
          <span className="font-medium">
            Model call, turn {call.turn} · {call.model}
          </span>{' '}
          <span className="muted tabular-nums">
            {formatCount(call.totalTokens)} tokens: {tokensSummary(call)} · {call.costUsd === null ? 'unpriced' : formatUsd(call.costUsd)}
          </span>
          {call.toolCalls.length > 0 && <div className="muted text-xs">asked for: {call.toolCalls.join(', ')}</div>}
        </div>
      );
    }
    case 'event': {
      const { event } = row;
      const failure =
        event.type === 'run.failed' || event.type === 'child.failed' ? (event.data.error as { errorClass?: string; message?: string } | undefined) : undefined;
      const childRunId = event.type.startsWith('child.') && typeof event.data.childRunId === 'string' ? event.data.childRunId : null;
      return (
        <div className="ml-2 border-l-2 border-zinc-300 py-1.5 pl-3 text-sm dark:border-zinc-700" data-event-type={event.type}>
          <span className="font-medium">{EVENT_LABEL[event.type] ?? event.type}</span>{' '}
          <span className="muted text-xs">
            #{event.seq} · <Timestamp iso={event.at} />
            {event.actor && ` · ${event.actor.name ?? event.actor.id}`}
          </span>
          {childRunId && (
            <div className="text-xs">
              <Link href={`/runs/${encodeURIComponent(childRunId)}`} className="link" data-child-run={childRunId}>
                {childRunId}
              </Link>
            </div>
          )}
          {failure && (
            <div className="text-xs text-red-700 dark:text-red-400">
              {failure.errorClass}: {failure.message}
            </div>
          )}
        </div>
      );
    }
  }
}

/** The timeline's rows, virtualized against the window so a run with thousands of events stays quick. */
export function Timeline({ rows }: { rows: TimelineRow[] }) {
  const listRef = useRef<HTMLDivElement>(null);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (index) => (rows[index]?.kind === 'group' ? 44 : 40),
    overscan: 12,
    scrollMargin: listRef.current?.offsetTop ?? 0,
    initialRect: { width: 1024, height: 1200 },
  });
  return (
    <div ref={listRef} className="card px-3 pb-3" data-row-count={rows.length}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            data-index={item.index}
            ref={virtualizer.measureElement}
            style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
          >
            <Row row={rows[item.index]!} />
          </div>
        ))}
      </div>
    </div>
  );
}
