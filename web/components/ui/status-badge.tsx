const TONE: Record<string, string> = {
  created: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
  running: 'bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-300',
  awaiting_approval: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300',
  awaiting_connection: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300',
  pending: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300',
  completed: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300',
  approved: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300',
  active: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300',
  failed: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
  rejected: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
  terminated: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
};
const NEUTRAL = 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300';

/** A run's, an approval's or a connection's status; unknown statuses render neutral rather than fail. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span data-status={status} className={`inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${TONE[status] ?? NEUTRAL}`}>
      {status.replaceAll('_', ' ')}
    </span>
  );
}
