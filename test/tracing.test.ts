import { answer, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { FakeOtlpCollector, type CollectedSpan } from './fake-otlp-collector';
import { startRun, triggerTick, waitForEnd } from './run-helpers';
import { sleep } from './wait';
import { useTestStack } from './stack';

/** Walks parent links up from `span`; the chain ends at a root (or a parent the collector never got). */
function ancestry(spans: CollectedSpan[], span: CollectedSpan): CollectedSpan[] {
  const chain = [span];
  for (let current = span; current.parentSpanId;) {
    const parent = spans.find((candidate) => candidate.spanId === current.parentSpanId);
    if (!parent) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

/** Waits until the chain above `runId`'s tool-call span reaches a span named `rootName`; returns it (or what there is at the deadline). */
async function chainOfRun(collector: FakeOtlpCollector, runId: string, rootName: string): Promise<CollectedSpan[]> {
  // Workflow spans leave through a sink after the activity's own span: wait for the whole chain.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const activity = collector.spans.find((span) => span.name === 'RunActivity:executeTool' && span.attributes.temporalWorkflowId === runId);
    const chain = activity ? ancestry(collector.spans, activity) : [];
    if (chain.at(-1)?.name === rootName || Date.now() > deadline) {
      if (chain.length === 0) throw new Error(`no activity span for ${runId}; got: ${collector.spans.map((span) => span.name).join(', ')}`);
      return chain;
    }
    await sleep(200);
  }
}

describe('OpenTelemetry over OTLP/HTTP', () => {
  let collector: FakeOtlpCollector;
  let model: FakeChatCompletionsServer;
  beforeAll(async () => {
    collector = await FakeOtlpCollector.start();
    model = await new FakeChatCompletionsServer().start();
  });
  const stack = useTestStack(() => ({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      MODEL_BASE_URL: model.baseUrl,
      FLIGHTDECK_MODEL_PRICES: JSON.stringify({ 'compatible:m-traced': { input: 1, output: 2 } }),
    },
  }));
  afterAll(async () => {
    await collector?.close();
    await model?.stop();
  });

  it("makes each model call a GenAI span `chat <model>`, a child of its callModel activity's span in the run's trace", async () => {
    model.script('m-traced', [answer('traced answer')]);
    const runId = await startRun(stack, { agent: { model: 'm-traced', instructions: 'Answer.', tools: [] }, limits: { maxTokens: 1000 } });
    await waitForEnd(stack, runId);
    const deadline = Date.now() + 30_000;
    let span: CollectedSpan | undefined;
    while (!(span = collector.spans.find((candidate) => candidate.name === 'chat m-traced' && candidate.attributes['flightdeck.run_id'] === runId))) {
      if (Date.now() > deadline) throw new Error(`no model span; got: ${collector.spans.map((each) => each.name).join(', ')}`);
      await sleep(200);
    }
    const maxTokens = model.requestsFor('m-traced')[0]!.max_tokens;
    expect(maxTokens).toBeGreaterThan(900);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'compatible',
      'gen_ai.request.model': 'm-traced',
      'gen_ai.response.finish_reasons': ['stop'],
      'flightdeck.tenant_id': stack.tenantId,
      'flightdeck.cost_usd': 0.000025,
    });
    expect(Number(span.attributes['gen_ai.request.max_tokens'])).toBe(maxTokens);
    expect(Number(span.attributes['gen_ai.usage.input_tokens'])).toBe(11);
    expect(Number(span.attributes['gen_ai.usage.output_tokens'])).toBe(7);
    const parent = collector.spans.find((candidate) => candidate.spanId === span.parentSpanId);
    expect(parent).toMatchObject({ name: 'RunActivity:callModel', traceId: span.traceId, service: 'flightdeck-worker' });
    expect(parent!.attributes.temporalWorkflowId).toBe(runId);
  });

  it('exports one trace per run: API request → workflow start → workflow → activity, linked by parent ids', async () => {
    const runId = await startRun(stack, { name: 'traced', plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } }] } });
    await waitForEnd(stack, runId);

    const chain = await chainOfRun(collector, runId, 'POST /v1/runs');
    const names = chain.map((span) => `${span.service}:${span.name}`);
    expect(names).toEqual([
      'flightdeck-worker:RunActivity:executeTool',
      'flightdeck-worker:StartActivity:executeTool',
      'flightdeck-worker:RunWorkflow:agentRun',
      'flightdeck-api:StartWorkflow:agentRun',
      'flightdeck-api:POST /v1/runs',
    ]);
    expect(new Set(chain.map((span) => span.traceId)).size).toBe(1);
    const root = chain[chain.length - 1]!;
    expect(root.parentSpanId).toBeNull();
    expect(root.attributes).toMatchObject({ 'http.route': '/v1/runs', 'http.response.status_code': 201 });
    expect(collector.rejected).toEqual([]);
  });

  it("puts a schedule tick's run in the tick's trace: the worker starts it with the same client interceptors as the API", async () => {
    const schedule = await stack.client.createSchedule({
      id: 'traced',
      spec: { plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: {} }] } },
      every: '1h',
    });
    try {
      const ticked = await triggerTick(stack, schedule.id);
      const runId = ticked.recentRuns[0]!.runId;
      await stack.waitForRun(runId);
      const chain = await chainOfRun(collector, runId, 'RunWorkflow:scheduledRun');
      expect(chain.map((span) => `${span.service}:${span.name}`)).toEqual([
        'flightdeck-worker:RunActivity:executeTool',
        'flightdeck-worker:StartActivity:executeTool',
        'flightdeck-worker:RunWorkflow:agentRun',
        'flightdeck-worker:StartWorkflow:agentRun',
        'flightdeck-worker:RunActivity:startScheduledRun',
        'flightdeck-worker:StartActivity:startScheduledRun',
        'flightdeck-worker:RunWorkflow:scheduledRun',
      ]);
      expect(new Set(chain.map((span) => span.traceId)).size).toBe(1);
    } finally {
      await stack.client.deleteSchedule(schedule.id);
    }
  });

  it("continues a caller's trace from its traceparent header", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${stack.apiUrl}/v1/tools`, {
      headers: { authorization: `Bearer ${stack.adminKey}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);
    const deadline = Date.now() + 10_000;
    let span: CollectedSpan | undefined;
    while (!span && Date.now() < deadline) {
      span = collector.spans.find((candidate) => candidate.traceId === traceId);
      if (!span) await sleep(200);
    }
    expect(span).toMatchObject({ name: 'GET /v1/tools', parentSpanId: '00f067aa0ba902b7', service: 'flightdeck-api' });
  });
});
