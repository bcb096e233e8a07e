/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: the runs list and its filters. No double.
 */
import type { Page } from 'playwright-core';
import { startRun } from './run-helpers';
import { checkPageOf, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

describe('the dashboard in a browser: the runs list', () => {
  const { stack, ui, it } = useDashboardInBrowser();
  // The status filter below needs a failed run to show (one that is not blue).
  beforeAll(async () => {
    const failing = { name: 'fails', plan: { steps: [{ id: 'a', tool: 'builtin.flaky', args: { failures: 3 }, retry: { maxAttempts: 1 } }] } };
    expect((await stack.waitForRun(await startRun(stack, failing))).status).toBe('failed');
  });
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  beforeAll(() => {
    ({ page, dashboard } = ui());
  });
  const checkPage = (name: string) => checkPageOf(page, name);

  it('filters the list by tag, status and name in the URL, with counts by status', async () => {
    const blue = [
      await startRun(stack, { name: 'paint-blue-1', tags: ['blue'], plan: { steps: [{ id: 's', tool: 'builtin.echo', args: {} }] } }),
      await startRun(stack, { name: 'paint-blue-2', tags: ['blue'], plan: { steps: [{ id: 's', tool: 'builtin.echo', args: {} }] } }),
    ];
    const red = await startRun(stack, { name: 'paint-red', tags: ['red'], plan: { steps: [{ id: 's', tool: 'builtin.echo', args: {} }] } });
    for (const id of [...blue, red]) await stack.waitForRun(id);
    await page.goto(`${dashboard.url}/`);
    await page.getByLabel('Tag').fill('blue');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/tag=blue/);
    const rows = page.locator('[data-run-id]');
    await page.locator(`[data-run-id="${blue[0]}"]`).waitFor();
    expect((await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-run-id')))).sort()).toEqual([...blue].sort());
    expect(await page.locator('[data-count="completed"]').textContent()).toBe('2');
    await page.getByLabel('Name contains').fill('blue-2');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=blue-2/);
    await page.locator(`[data-run-id="${blue[0]}"]`).waitFor({ state: 'detached' });
    expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-run-id')))).toEqual([blue[1]]);
    await page.goto(`${dashboard.url}/?status=failed`);
    await page.locator('[data-run-id]').first().waitFor();
    expect(await page.locator(`[data-run-id="${blue[0]}"]`).count()).toBe(0);
    await page.goto(`${dashboard.url}/`);
    await checkPage('runs');
  });
});
