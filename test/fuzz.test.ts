/**
 * Property-based fuzzing of the API edge: whatever arrives — arbitrary JSON, near-valid specs, odd
 * query strings, junk ws frames — the answer is a 4xx with the error shape (or a success), never a
 * 5xx, and the server keeps serving.
 */
import fc from 'fast-check';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

const toolNames = fc.constantFrom('builtin.echo', 'builtin.nope', 'echo', 'builtin.json_transform', '', 'a.b.c');
const nearValidStep = fc.record(
  {
    id: fc.oneof(fc.constantFrom('a', 'b', '1x', ''), fc.string()),
    tool: toolNames,
    args: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue(), fc.constant({ x: '${steps.a.output}' }), fc.constant({ x: '${input.q}' })),
    retry: fc.oneof(fc.constant(undefined), fc.record({ maxAttempts: fc.integer({ min: -5, max: 500 }) }), fc.jsonValue()),
    timeout: fc.oneof(fc.constant(undefined), fc.constantFrom('5s', 'soon', '0ms', '99999d'), fc.jsonValue()),
  },
  { requiredKeys: [] },
);
const nearValidSpec = fc.record(
  {
    name: fc.oneof(fc.string(), fc.jsonValue()),
    tags: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
    input: fc.jsonValue(),
    plan: fc.oneof(fc.record({ steps: fc.array(nearValidStep, { maxLength: 4 }) }), fc.jsonValue()),
    agent: fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.record({ model: fc.string(), instructions: fc.string(), tools: fc.array(toolNames) })),
    limits: fc.oneof(fc.constant(undefined), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('fuzzing the API edge', () => {
  const stack = useTestStack();

  const assertNoServerError = (status: number, body: unknown) => {
    expect(status).toBeLessThan(500);
    if (status >= 400) expect(body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  };

  it('answers any POST /v1/runs body with a 4xx or a success, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), nearValidSpec), async (body) => {
        const response = await stack.request('POST', '/v1/runs', JSON.stringify(body) ?? 'null');
        assertNoServerError(response.status, response.body);
        if (response.status === 201) await stack.request('POST', `/v1/runs/${response.body.run.id}/terminate`, {});
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('answers raw, malformed bodies and odd queries without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (raw, query) => {
        const posted = await stack.request('POST', '/v1/runs', raw);
        assertNoServerError(posted.status, posted.body);
        const listed = await stack.request('GET', `/v1/runs?${encodeURI(query)}`);
        assertNoServerError(listed.status, listed.body);
        const control = await stack.request('POST', `/v1/runs/${encodeURIComponent(query || 'x')}/messages`, raw);
        assertNoServerError(control.status, control.body);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('answers junk ws frames with error frames and keeps the connection serving', async () => {
    const client = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      const frames = fc.sample(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc
            .record(
              {
                type: fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'nope'),
                runId: fc.string(),
                afterSeq: fc.oneof(fc.integer(), fc.string()),
                runs: fc.jsonValue(),
              },
              { requiredKeys: ['type'] },
            )
            .map((value) => JSON.stringify(value)),
        ),
        200,
      );
      for (const frame of frames) client.send(frame);
      client.send({ type: 'ping' });
      await client.waitFor((all) => all.some((frame) => frame.type === 'pong'), 20_000);
      expect(client.frames.filter((frame) => frame.type === 'error').every((frame) => frame.type === 'error' && frame.error.code !== 'internal')).toBe(true);
    } finally {
      await client.close();
    }
  }, 60_000);
});
