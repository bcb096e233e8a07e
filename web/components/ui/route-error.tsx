'use client';

import { useEffect } from 'react';

export function RouteError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  // In production Next replaces server error messages with a digest that matches the server log.
  const digest = typeof error === 'object' && error !== null && 'digest' in error ? String(error.digest) : undefined;
  return (
    <section role="alert" className="rounded-lg border border-red-300 bg-red-50 p-5 text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-200">
      <h2 className="font-semibold">Something went wrong</h2>
      <p className="mt-1 text-sm">
        This page could not be shown. If the API is down, start it (<code>npm start</code>) and try again; the server log has the details.
      </p>
      {digest !== undefined && (
        <p className="mt-1 text-xs">
          Reference: <code>{digest}</code>
        </p>
      )}
      <button type="button" className="btn mt-3" onClick={() => retry()}>
        Try again
      </button>
    </section>
  );
}
