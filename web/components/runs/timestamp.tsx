import { formatExactTime, formatRelativeTime } from '@/lib/format-time';

/** Relative time, with the exact time on hover. */
export function Timestamp({ iso, now }: { iso: string; now: Date }) {
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={formatExactTime(date)}>
      {formatRelativeTime(date, now)}
    </time>
  );
}
