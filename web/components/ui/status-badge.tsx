import type { Approval, ComposioConnectionStatus } from '../../../lib/api-client/schemas';
import type { RunStatus } from '../../../lib/events';

/**
 * One meaning per colour, in both themes: blue is under way, amber waits for a person, orange
 * needs a person to act again (re-connect, re-approve), green is done well, red went wrong, slate
 * was stopped on purpose, zinc has not started or is switched off. The text always says it too.
 */
const TONE = {
  neutral: 'bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-600',
  progress: 'bg-blue-100 text-blue-800 ring-blue-300 dark:bg-blue-950 dark:text-blue-300 dark:ring-blue-800',
  waiting: 'bg-amber-100 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-800',
  attention: 'bg-orange-100 text-orange-900 ring-orange-300 dark:bg-orange-950 dark:text-orange-300 dark:ring-orange-800',
  success: 'bg-emerald-100 text-emerald-800 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-800',
  danger: 'bg-red-100 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-300 dark:ring-red-800',
  stopped: 'bg-slate-200 text-slate-800 ring-slate-400 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-500',
} as const;
type Tone = keyof typeof TONE;

// Typed by the enums, so a new run status fails the typecheck until it has a colour.
const RUN: Record<RunStatus, Tone> = {
  created: 'neutral',
  running: 'progress',
  awaiting_approval: 'waiting',
  awaiting_connection: 'attention',
  completed: 'success',
  failed: 'danger',
  cancelled: 'stopped',
  terminated: 'danger',
};
const APPROVAL: Record<Approval['status'], Tone> = {
  pending: 'waiting',
  approved: 'success',
  rejected: 'danger',
  expired: 'attention',
  cancelled: 'stopped',
};
/** Composio's connected-account statuses, lower-cased as the badge shows them. */
const CONNECTION: Record<Lowercase<ComposioConnectionStatus>, Tone> = {
  initializing: 'progress',
  initiated: 'progress',
  active: 'success',
  failed: 'danger',
  expired: 'attention',
  inactive: 'neutral',
  revoked: 'stopped',
};
const BY_STATUS: Record<string, Tone> = { ...CONNECTION, ...APPROVAL, ...RUN };

/** The tone a status is shown in; unknown statuses are neutral rather than an error. */
export const toneOf = (status: string): Tone => BY_STATUS[status.toLowerCase()] ?? 'neutral';

/** A run's, an approval's, a Composio connection's or an API key's status. */
export function StatusBadge({ status }: { status: string }) {
  const tone = toneOf(status);
  return (
    <span
      data-status={status}
      data-tone={tone}
      className={`inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${TONE[tone]}`}
    >
      {status.toLowerCase().replaceAll('_', ' ')}
    </span>
  );
}
