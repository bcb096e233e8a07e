const EXAMPLE_RUN_SPEC = {
  name: 'hello',
  plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } }] },
};

export function RunsEmptyState({ apiUrl }: { apiUrl: string }) {
  const command = [
    `curl -X POST ${apiUrl}/v1/runs \\`,
    `  -H "Authorization: Bearer $FLIGHTDECK_ADMIN_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${JSON.stringify(EXAMPLE_RUN_SPEC)}'`,
  ].join('\n');

  return (
    <section className="panel">
      <h2>No runs yet</h2>
      <p>Start one: this runs a one-step plan that echoes a message. It appears here within a few seconds.</p>
      <pre className="code-block">
        <code>{command}</code>
      </pre>
    </section>
  );
}
