/**
 * Secrets never enter the event log: a run whose tool receives and echoes credentials leaves
 * no trace of them in any stored event (args, output, run output), whoever wrote the event.
 */
import { useTestStack } from './stack';

const secrets = ['sk-live-123', 'sk-live-456', 'sk-live-789', 'sk-live-000'];

describe('redaction at the event log', () => {
  beforeAll(async () => {
    // A deployment-specific key on top of the built-in list, through the env as in production.
  });
  const stack = useTestStack(() => ({ env: { FLIGHTDECK_REDACT_KEYS: 'session-ref' } }));

  it('stores no secret a tool received or returned, and marks where they were', async () => {
    const args = {
      headers: { Authorization: 'Bearer sk-live-123', Accept: 'application/json' },
      apiKey: 'sk-live-456',
      note: 'token is Bearer sk-live-789',
      sessionRef: 'sk-live-000',
      message: 'hello',
    };
    const started = await stack.request('POST', '/v1/runs', { name: 'secrets', plan: { steps: [{ id: 'call', tool: 'builtin.echo', args }] } });
    expect(started.status).toBe(201);
    const runId: string = started.body.run.id;
    expect((await stack.waitForRun(runId)).status).toBe('completed');

    const rows = await stack.db('run_events').where({ run_id: runId }).orderBy('seq').select('type', stack.db.raw('data::text as text'));
    expect(rows.map((row) => row.type)).toEqual(expect.arrayContaining(['run.created', 'tool.call.started', 'tool.call.succeeded', 'run.completed']));
    const stored = rows.map((row) => row.text as string).join('\n');
    for (const secret of secrets) expect(stored).not.toContain(secret);
    expect(stored).toContain('[REDACTED]');

    // Each place the echo's args pass through holds the redacted form, with what is not secret intact.
    const redactedArgs = {
      headers: { Authorization: '[REDACTED]', Accept: 'application/json' },
      apiKey: '[REDACTED]',
      note: 'token is Bearer [REDACTED]',
      sessionRef: '[REDACTED]',
      message: 'hello',
    };
    const dataOf = async (type: string) => (await stack.db('run_events').where({ run_id: runId, type }).first('data')).data;
    expect((await dataOf('tool.call.started')).args).toEqual(redactedArgs);
    expect((await dataOf('tool.call.succeeded')).output).toEqual(redactedArgs);
    expect((await dataOf('run.completed')).output).toEqual({ call: redactedArgs });
    expect((await dataOf('run.created')).spec.plan.steps[0].args).toEqual(redactedArgs);

    // The projection is folded from the log, so what the API serves carries no secret either.
    const served = JSON.stringify((await stack.request('GET', `/v1/runs/${runId}`)).body);
    for (const secret of secrets) expect(served).not.toContain(secret);
  });
});
