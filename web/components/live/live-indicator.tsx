import type { LiveState } from './use-live-stream';

const LABEL: Record<LiveState['status'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Up to date',
  stopped: 'Not live',
};

/** Says whether the view is live; `data-*` lets a test see how often it resumed. */
export function LiveIndicator({ state }: { state: LiveState }) {
  const dot =
    state.status === 'live'
      ? 'bg-emerald-500'
      : state.status === 'reconnecting' || state.status === 'connecting'
        ? 'bg-amber-500 animate-pulse'
        : 'bg-zinc-400';
  return (
    <span
      role="status"
      aria-live="polite"
      data-live-status={state.status}
      data-reconnects={state.reconnects}
      className="inline-flex items-center gap-1.5 rounded-full border border-zinc-200 px-2 py-0.5 text-xs text-zinc-700 dark:border-zinc-700 dark:text-zinc-300"
      title={state.error ?? undefined}
    >
      <span aria-hidden className={`size-2 rounded-full ${dot}`} />
      {LABEL[state.status]}
      {state.error && <span className="sr-only">: {state.error}</span>}
    </span>
  );
}
