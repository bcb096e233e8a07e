import type { RunEvent } from '../lib/events';
import { estimateInputTokens } from '../lib/model-budget';
import type { ChatMessage, ModelTool } from '../lib/workflow-contract';
import { answer, callTools, FakeChatCompletionsServer, type RecordedRequest } from './fake-chat-completions-server';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';

const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data as any);
const estimateOf = (request: RecordedRequest) => estimateInputTokens(request.messages as ChatMessage[], (request.tools ?? []) as ModelTool[]);

// The double answers every call with 11 input and 7 output tokens: at these prices a call costs 0.000025 USD.
const prices = { 'compatible:m-priced': { input: 1, cachedInput: 0.5, output: 2 }, 'compatible:m-budget': { input: 1, output: 2 } };
const callCost = (11 * 1 + 7 * 2) / 1_000_000;
const echo = callTools({ name: 'builtin__echo', args: { say: 'hi' } });

describe('model cost and budgets (real Temporal and Postgres, a fake model provider)', () => {
  let model: FakeChatCompletionsServer;
  beforeAll(async () => {
    model = await new FakeChatCompletionsServer().start();
  });
  const stack = useTestStack(() => ({ env: { MODEL_BASE_URL: model.baseUrl, FLIGHTDECK_MODEL_PRICES: JSON.stringify(prices) } }));
  afterAll(async () => {
    await model?.stop();
  });

  it('records each call’s cost at the configured price, null for a model with no price, and the run’s totals', async () => {
    model.script('m-priced', [echo, answer('done')]);
    const priced = await startRun(stack, { agent: { model: 'm-priced', instructions: 'Echo.', tools: ['builtin.echo'] } });
    const pricedEvents = await waitForEnd(stack, priced);
    expect(dataOf(pricedEvents, 'model.called').map((call) => call.costUsd)).toEqual([callCost, callCost]);
    const pricedRun = (await stack.request('GET', `/v1/runs/${priced}`)).body.run;
    expect(pricedRun.usage).toEqual({
      inputTokens: 22,
      outputTokens: 14,
      cachedInputTokens: 0,
      totalTokens: 36,
      costUsd: 2 * callCost,
      pricedCostUsd: 2 * callCost,
      unpricedCalls: 0,
    });
    // No limits: nothing caps the output.
    expect(model.requestsFor('m-priced').map((request) => request.max_tokens)).toEqual([undefined, undefined]);

    model.script('m-unpriced', [answer('free?')]);
    const unpriced = await startRun(stack, { agent: { model: 'm-unpriced', instructions: 'Answer.', tools: [] } });
    const unpricedEvents = await waitForEnd(stack, unpriced);
    expect(dataOf(unpricedEvents, 'model.called')[0].costUsd).toBeNull();
    const list = (await stack.request('GET', '/v1/runs?limit=10')).body.runs;
    expect(list.find((run: { id: string }) => run.id === unpriced).usage).toMatchObject({ totalTokens: 18, costUsd: null, pricedCostUsd: 0, unpricedCalls: 1 });
  });

  it('keeps daily totals per tenant (GET /v1/usage) and counts tokens and cost in /metrics', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const usage = await stack.request('GET', `/v1/usage?from=${today}&to=${today}`);
    expect(usage.status).toBe(200);
    expect(usage.body).toEqual({
      from: today,
      to: today,
      days: [
        {
          day: today,
          modelCalls: 3,
          inputTokens: 33,
          outputTokens: 21,
          cachedInputTokens: 0,
          totalTokens: 54,
          costUsd: null,
          pricedCostUsd: 2 * callCost,
          unpricedCalls: 1,
        },
      ],
    });
    expect((await stack.request('GET', '/v1/usage?from=2026-02-01&to=2026-01-01')).status).toBe(400);

    const metrics = (await stack.request('GET', '/metrics')).body as string;
    const sample = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('flightdeck_model_tokens_total', `tenant="${stack.tenantId}",kind="input"`)).toBe(33);
    expect(sample('flightdeck_model_tokens_total', `tenant="${stack.tenantId}",kind="output"`)).toBe(21);
    expect(sample('flightdeck_model_cost_usd_total', `tenant="${stack.tenantId}"`)).toBeCloseTo(2 * callCost, 12);
    expect(sample('flightdeck_model_calls_total', `tenant="${stack.tenantId}",priced="false"`)).toBe(1);
  });

  it('refuses a call that would pass limits.maxTokens before making it: the model sees no request', async () => {
    model.script('m-tokens', [], answer('never'));
    const runId = await startRun(stack, { agent: { model: 'm-tokens', instructions: 'x'.repeat(400), tools: [] }, limits: { maxTokens: 50 } });
    const events = await waitForEnd(stack, runId);
    expect(model.requestsFor('m-tokens')).toHaveLength(0);
    expect(dataOf(events, 'model.called')).toEqual([]);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'BudgetExceeded',
      message: expect.stringMatching(/^limits\.maxTokens \(50 tokens\) would be passed: 0 tokens spent, the next call's prompt estimated at 104 tokens$/),
    });
  });

  it('caps each call’s output to what limits.maxTokens leaves, and stops before the call that would pass it', async () => {
    model.script('m-capped', [], echo);
    const runId = await startRun(stack, { agent: { model: 'm-capped', instructions: 'Echo.', tools: ['builtin.echo'] }, limits: { maxTokens: 400 } });
    const events = await waitForEnd(stack, runId);
    const requests = model.requestsFor('m-capped');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    // Each call may write what is left after the tokens spent (18 a call) and its prompt's estimate.
    requests.forEach((request, index) => expect(request.max_tokens).toBe(400 - 18 * index - estimateOf(request)));
    const calls = dataOf(events, 'model.called');
    expect(calls).toHaveLength(requests.length);
    expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
      errorClass: 'BudgetExceeded',
      message: expect.stringContaining('limits.maxTokens (400 tokens)'),
    });
    const run = (await stack.request('GET', `/v1/runs/${runId}`)).body.run;
    expect(run.usage.totalTokens).toBeLessThanOrEqual(400);
  });

  it('holds a run to limits.maxCostUsd: output capped by the price, a call past it refused, an unpriced model refused', async () => {
    model.script('m-priced', [answer('cheap')]);
    const capped = await startRun(stack, { agent: { model: 'm-priced', instructions: 'Answer.', tools: [] }, limits: { maxCostUsd: 0.001 } });
    await waitForEnd(stack, capped);
    const [request] = model.requestsFor('m-priced').slice(-1);
    // 0.001 USD less the prompt's estimate at 1 USD/M, left for output at 2 USD/M.
    expect(request!.max_tokens).toBe(Math.floor((1000 - estimateOf(request!)) / 2));

    const before = model.requests.length;
    const refused = await startRun(stack, { agent: { model: 'm-priced', instructions: 'Answer.', tools: [] }, limits: { maxCostUsd: 0.000001 } });
    expect(dataOf(await waitForEnd(stack, refused), 'run.failed')[0].error).toMatchObject({
      errorClass: 'BudgetExceeded',
      message: expect.stringContaining('limits.maxCostUsd (0.000001 USD) would be passed'),
    });
    const unpriced = await startRun(stack, { agent: { model: 'm-unpriced', instructions: 'Answer.', tools: [] }, limits: { maxCostUsd: 1 } });
    expect(dataOf(await waitForEnd(stack, unpriced), 'run.failed')[0].error).toMatchObject({
      errorClass: 'BudgetExceeded',
      message: expect.stringContaining('the model has no price'),
    });
    expect(model.requests.length).toBe(before);
  });

  it("refuses a call that would pass the tenant's monthly budget (PUT /v1/budget), with no request made", async () => {
    const spent = (await stack.request('GET', '/v1/budget')).body;
    expect(spent).toMatchObject({ monthlyUsd: null, remainingUsd: null });
    expect(spent.spentUsd).toBeCloseTo(3 * callCost, 12);
    expect((await stack.request('PUT', '/v1/budget', { monthlyUsd: -1 })).status).toBe(400);
    const set = await stack.request('PUT', '/v1/budget', { monthlyUsd: spent.spentUsd + 0.000002 });
    expect(set.status).toBe(200);
    expect(set.body.remainingUsd).toBeCloseTo(0.000002, 12);
    try {
      model.script('m-budget', [], answer('over budget'));
      const runId = await startRun(stack, { agent: { model: 'm-budget', instructions: 'Answer this.', tools: [] } });
      const events = await waitForEnd(stack, runId);
      expect(model.requestsFor('m-budget')).toHaveLength(0);
      expect(dataOf(events, 'run.failed')[0].error).toMatchObject({
        errorClass: 'BudgetExceeded',
        message: expect.stringContaining("the tenant's monthly budget"),
      });
      const audit = await stack.request('GET', '/v1/admin/audit?action=budget.updated');
      expect(audit.body.entries[0]).toMatchObject({ action: 'budget.updated' });
    } finally {
      expect((await stack.request('PUT', '/v1/budget', { monthlyUsd: null })).body.monthlyUsd).toBeNull();
    }
  });
});
