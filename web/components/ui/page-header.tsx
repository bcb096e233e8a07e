import type { ReactNode } from 'react';

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">{title}</h1>
        {description && <p className="muted mt-1 text-sm">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

/** An empty list: says what there is not, and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card px-6 py-10 text-center">
      <h2 className="text-base font-semibold text-zinc-900 dark:text-zinc-100">{title}</h2>
      <div className="muted mx-auto mt-2 max-w-prose text-sm">{children}</div>
    </section>
  );
}

export function Notice({ tone = 'danger', title, children }: { tone?: 'danger' | 'info'; title: string; children?: ReactNode }) {
  const colors =
    tone === 'danger'
      ? 'border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-200'
      : 'border-blue-300 bg-blue-50 text-blue-900 dark:border-blue-800 dark:bg-blue-950/60 dark:text-blue-200';
  return (
    <section role={tone === 'danger' ? 'alert' : 'status'} className={`rounded-lg border px-4 py-3 text-sm ${colors}`}>
      <h2 className="font-semibold">{title}</h2>
      {children && <div className="mt-1 space-y-1">{children}</div>}
    </section>
  );
}

export function LoadingState({ title }: { title: string }) {
  return (
    <>
      <div className="mb-6 h-8 w-48 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" aria-hidden />
      <p role="status" className="muted text-sm">
        Loading {title}…
      </p>
      <div className="mt-4 space-y-2" aria-hidden>
        {[0, 1, 2, 3].map((row) => (
          <div key={row} className="h-10 animate-pulse rounded bg-zinc-100 dark:bg-zinc-900" />
        ))}
      </div>
    </>
  );
}

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="code max-h-96" aria-label={label} tabIndex={0}>
      <code>{value === undefined ? '—' : JSON.stringify(value, null, 2)}</code>
    </pre>
  );
}
