/**
 * The dashboard in a real browser against the real stack: the definitions list, and a definition's
 * start form drawn from its input schema and checked in the browser with that schema.
 */
import type { Page } from 'playwright-core';
import { checkPageOf, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';
import { eventsOf } from './run-helpers';

describe('the dashboard in a browser: definitions', () => {
  const { stack, ui, it } = useDashboardInBrowser();
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  beforeAll(() => {
    ({ page, dashboard } = ui());
  });
  const runCount = async () => (await stack.client.listRuns({ limit: 200 })).runs.length;

  it('lists the definitions, checks the input in the browser, and starts one from its form', async () => {
    await page.goto(`${dashboard.url}/definitions`);
    const card = page.locator('[data-definition="echo-twice"]');
    expect(await card.textContent()).toContain('Echoes a word twice in parallel');
    expect(await page.locator('[data-definition="fan-out"]').count()).toBe(1);
    await checkPageOf(page, 'definitions');
    await card.getByRole('link', { name: 'Start' }).click();
    await page.waitForURL(/\/runs\/new\?definition=echo-twice/);

    const before = await runCount();
    await page.getByRole('button', { name: 'Start echo-twice' }).click();
    const wordError = page.locator('#field-input-word-error');
    await wordError.waitFor();
    expect(await wordError.textContent()).toMatch(/>=1 characters/);
    expect(await page.getByLabel('word', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await runCount()).toBe(before); // refused in the browser: nothing was sent

    await page.getByLabel('word', { exact: true }).fill('hi');
    await checkPageOf(page, 'start-definition');
    await page.getByRole('button', { name: 'Start echo-twice' }).click();
    await page.waitForURL(/\/runs\/run_/);
    const runId = page.url().split('/runs/')[1]!;
    await page.locator('[data-status="completed"]').first().waitFor({ timeout: 30_000 });
    expect((await eventsOf(stack, runId)).at(-1)?.data).toEqual({ output: { joined: 'hi-HI' } });
  });

  it('names the known definitions for an unknown one', async () => {
    await page.goto(`${dashboard.url}/runs/new?definition=no-such`);
    const notice = page.getByRole('alert').filter({ hasText: 'No definition named "no-such"' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('echo-twice');
  });
});
