'use client';

import { useEffect, useState } from 'react';
import { formatExactTime, formatRelativeTime } from '@/lib/format-time';

/** Relative time that keeps itself current, with the exact time on hover (and for screen readers in `dateTime`). */
export function Timestamp({ iso }: { iso: string }) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 15_000);
    return () => window.clearInterval(timer);
  }, []);
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={formatExactTime(date)} suppressHydrationWarning className="whitespace-nowrap">
      {formatRelativeTime(date, now)}
    </time>
  );
}
