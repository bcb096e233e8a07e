export function ApiUnreachableNotice({ apiUrl }: { apiUrl: string }) {
  return (
    <section className="panel" data-tone="danger" role="alert">
      <h2>Cannot reach the Flightdeck API</h2>
      <p>
        Nothing answered at <code>{apiUrl}</code>. Start it with <code>npm start</code> in the repository
        root (it runs the API, the worker, Postgres and Temporal), or point <code>FLIGHTDECK_API_URL</code> at a
        running API. This page retries on its own.
      </p>
    </section>
  );
}

export function ApiErrorNotice({ code, message }: { code: string; message: string }) {
  const hint =
    code === 'unauthenticated' || code === 'forbidden'
      ? 'Check that FLIGHTDECK_API_KEY holds a key the API accepts.'
      : null;
  return (
    <section className="panel" data-tone="danger" role="alert">
      <h2>Could not list runs</h2>
      <p>
        <code>{code}</code> {message}
      </p>
      {hint !== null && <p>{hint}</p>}
    </section>
  );
}
