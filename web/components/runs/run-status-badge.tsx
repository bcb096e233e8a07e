type Tone = 'neutral' | 'active' | 'waiting' | 'success' | 'danger';

// Statuses are open-ended strings from the API; unknown ones render neutral rather than fail.
const TONE_BY_STATUS: Record<string, Tone> = {
  pending: 'neutral',
  queued: 'neutral',
  running: 'active',
  awaiting_approval: 'waiting',
  awaiting_connection: 'waiting',
  waiting_approval: 'waiting',
  cancelling: 'waiting',
  completed: 'success',
  succeeded: 'success',
  failed: 'danger',
  timed_out: 'danger',
  cancelled: 'neutral',
};

export function RunStatusBadge({ status }: { status: string }) {
  const tone = TONE_BY_STATUS[status] ?? 'neutral';
  return (
    <span className="badge" data-tone={tone}>
      {status.replaceAll('_', ' ')}
    </span>
  );
}
