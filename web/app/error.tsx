'use client';

import { useEffect } from 'react';

export default function RunsError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);

  // In production Next replaces server error messages with a digest that matches the server log.
  const digest =
    typeof error === 'object' && error !== null && 'digest' in error ? String(error.digest) : undefined;

  return (
    <section className="panel" data-tone="danger" role="alert">
      <h2>Something went wrong</h2>
      <p>The dashboard could not render this page. The server log has the details.</p>
      {digest !== undefined && (
        <p className="muted small">
          Reference: <code>{digest}</code>
        </p>
      )}
      <button type="button" className="button" onClick={() => retry()}>
        Try again
      </button>
    </section>
  );
}
