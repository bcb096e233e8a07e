/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: a run's model usage (tokens, cost, or that a call had no price),
 * the Usage page's days and totals, and the monthly budget an admin sets and a viewer only reads.
 * The only double is the model provider (fake-chat-completions-server).
 */
import type { Browser, Page } from 'playwright-core';
import { answer, answerWithUsage, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { startRun } from './run-helpers';
import { checkPageOf, signIn, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

// 1,000 input tokens (200 of them cached) and 500 output at these prices: 800 × 2 + 200 × 1 + 500 × 10 = 6,800 µUSD.
const prices = { 'compatible:m-usage-priced': { input: 2, cachedInput: 1, output: 10 } };
const pricedUsage = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 200 } };

describe('the dashboard in a browser: model usage and the monthly budget', () => {
  let model: FakeChatCompletionsServer;
  beforeAll(async () => {
    model = await new FakeChatCompletionsServer().start();
    model.script('m-usage-priced', [answerWithUsage('Priced answer.', pricedUsage)]);
    // No price for this one: the double's default usage, 11 in and 7 out.
    model.script('m-usage-unpriced', [answer('Unpriced answer.')]);
  });
  const { stack, ui, it } = useDashboardInBrowser({
    stack: () => ({ env: { MODEL_BASE_URL: model.baseUrl, MODEL_API_KEY: 'test-model-key', FLIGHTDECK_MODEL_PRICES: JSON.stringify(prices) } }),
  });
  afterAll(async () => {
    await model?.stop();
  });

  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  let browser: Browser;
  const runs = { priced: '', unpriced: '', plan: '' };
  beforeAll(async () => {
    ({ page, dashboard, browser } = ui());
    runs.priced = await startRun(stack, { name: 'usage-priced', agent: { model: 'm-usage-priced', instructions: 'Answer.', tools: [] } });
    runs.unpriced = await startRun(stack, { name: 'usage-unpriced', agent: { model: 'm-usage-unpriced', instructions: 'Answer.', tools: [] } });
    runs.plan = await startRun(stack, { name: 'usage-none', plan: { steps: [{ id: 'echo', tool: 'builtin.echo', args: { say: 'hi' } }] } });
    for (const runId of Object.values(runs)) expect((await stack.waitForRun(runId)).status).toBe('completed');
  }, 120_000);

  it("shows a run's model usage and each call's cost, says when a call had no price, and shows no usage for a run without model calls", async () => {
    await page.goto(`${dashboard.url}/runs/${runs.priced}`);
    const usage = page.getByTestId('model-usage');
    await usage.waitFor();
    expect(await usage.getAttribute('data-cost-usd')).toBe('0.0068');
    expect(await usage.textContent()).toBe('1 call, 1,500 tokens: 1,000 in (200 cached), 500 out$0.0068');
    const call = page.locator('[data-model-turn="1"]');
    expect(await call.getAttribute('data-cost-usd')).toBe('0.0068');
    expect(await call.textContent()).toContain('1,500 tokens: 1,000 in (200 cached), 500 out · $0.0068');
    await checkPageOf(page, 'run-model-usage');

    await page.goto(`${dashboard.url}/runs/${runs.unpriced}`);
    await usage.waitFor();
    expect(await usage.getAttribute('data-cost-usd')).toBe('unpriced');
    expect(await usage.getAttribute('data-unpriced-calls')).toBe('1');
    expect(await usage.textContent()).toContain('unpriced: the call had no price');
    expect(await call.getAttribute('data-cost-usd')).toBe('unpriced');
    expect(await call.textContent()).toContain('18 tokens: 11 in, 7 out · unpriced');

    await page.goto(`${dashboard.url}/runs/${runs.plan}`);
    await page.getByTestId('verification').waitFor();
    expect(await page.getByText('Model usage', { exact: true }).count()).toBe(0);
    expect(await usage.count()).toBe(0);
  });

  it("shows the tenant's days and the period's totals; an admin sets and clears the monthly budget, a viewer sees it and no form", async () => {
    // The days as the API counts them (both runs' calls fall on one UTC day unless midnight passed in between).
    const { days } = await stack.client.getUsage();
    expect(days.reduce((calls, day) => calls + day.modelCalls, 0)).toBe(2);
    await page.goto(dashboard.url);
    await page.getByRole('link', { name: 'Usage', exact: true }).click();
    await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor();
    for (const day of days) {
      const row = page.locator(`tr[data-day="${day.day}"]`);
      expect(await row.locator('td').nth(1).textContent()).toBe(String(day.modelCalls));
      expect(await row.locator('td').last().getAttribute('data-cost-usd')).toBe(day.costUsd === null ? 'unpriced' : String(day.costUsd));
    }
    expect(await page.getByTestId('period-cost').textContent()).toBe('unpriced: 1 of 2 calls had no price (the priced ones cost $0.0068)');
    expect(await page.getByTestId('period-totals').textContent()).toContain('1,518: 1,011 in (200 cached), 507 out');
    expect(await page.getByTestId('budget-limit').textContent()).toBe('none set');

    // Checked in the browser first: an empty amount never reaches the API.
    const amount = page.getByLabel('Monthly budget (USD)');
    await amount.fill('');
    await page.getByRole('button', { name: 'Set budget' }).click();
    await page.locator('#field-monthlyUsd-error').getByText('give an amount in USD, or clear the budget').waitFor();
    expect(await amount.getAttribute('aria-invalid')).toBe('true');
    expect((await stack.client.getBudget()).monthlyUsd).toBeNull();

    await amount.fill('25');
    await page.getByRole('button', { name: 'Set budget' }).click();
    await page.getByRole('status').filter({ hasText: 'Monthly budget set to $25.00.' }).waitFor();
    await page.getByTestId('budget').and(page.locator('[data-monthly-usd="25"]')).waitFor();
    // This UTC month's spend: the priced call's 0.0068 USD, and the unpriced call counted apart.
    expect(await stack.client.getBudget()).toMatchObject({ monthlyUsd: 25, spentUsd: 0.0068, remainingUsd: 24.9932, unpricedCalls: 1 });
    expect(await page.getByTestId('budget-limit').textContent()).toBe('$25.00');
    expect(await page.getByTestId('budget-spent').textContent()).toBe('$0.0068 and 1 call with no price');
    expect(await page.getByTestId('budget-remaining').textContent()).toBe('$24.99');
    await checkPageOf(page, 'usage');

    const viewerKey = (await stack.client.createKey({ name: 'usage-viewer', role: 'viewer' })).key;
    const viewer = await browser.newContext();
    try {
      const viewerPage = await viewer.newPage();
      await signIn(viewerPage, dashboard.url, viewerKey);
      await viewerPage.getByRole('link', { name: 'Usage', exact: true }).click();
      await viewerPage.getByTestId('budget-limit').getByText('$25.00').waitFor();
      expect(await viewerPage.getByText('An admin sets the budget.').count()).toBe(1);
      expect(await viewerPage.getByLabel('Monthly budget (USD)').count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: /budget/i }).count()).toBe(0);
    } finally {
      await viewer.close();
    }

    await page.getByRole('button', { name: 'Clear budget' }).click();
    await page.getByRole('status').filter({ hasText: 'Monthly budget cleared.' }).waitFor();
    await page.getByTestId('budget').and(page.locator('[data-monthly-usd="none"]')).waitFor();
    expect(await page.getByTestId('budget-remaining').textContent()).toBe('—');
    expect(await amount.inputValue()).toBe('');
    expect((await stack.client.getBudget()).monthlyUsd).toBeNull();
  });
});
