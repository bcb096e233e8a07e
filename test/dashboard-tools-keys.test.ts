/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: the tools catalog, connections with Composio off, and API
 * keys. No double.
 */
import type { Browser, Page } from 'playwright-core';
import { checkPageOf, signIn, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

describe('the dashboard in a browser: tools, connections (Composio off) and keys', () => {
  const { ui, it } = useDashboardInBrowser();
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  let browser: Browser;
  beforeAll(() => {
    ({ page, dashboard, browser } = ui());
  });
  const checkPage = (name: string) => checkPageOf(page, name);

  it('shows the tools catalog, connections (Composio is off on this API: says so) and API keys', async () => {
    await page.goto(`${dashboard.url}/tools`);
    await page.locator('[data-tool="builtin.echo"]').waitFor();
    await checkPage('tools');
    await page.goto(`${dashboard.url}/connections?userId=someone`);
    await page.getByText('Composio is not configured on the API').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'COMPOSIO_API_KEY' }).count()).toBe(1);
    await checkPage('connections-off');
    await page.goto(`${dashboard.url}/keys`);
    await page.getByLabel('Name', { exact: true }).fill('ui-viewer');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const newKey = await page.getByLabel('The new key').inputValue();
    expect(newKey.length).toBeGreaterThanOrEqual(16);
    await checkPage('keys');

    // A viewer sees no start button, no keys page, no decision form; the API would refuse anyway.
    const viewer = await browser.newContext();
    const viewerPage = await viewer.newPage();
    await signIn(viewerPage, dashboard.url, newKey);
    expect(await viewerPage.getByRole('link', { name: 'Start a run' }).count()).toBe(0);
    expect(await viewerPage.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    await viewerPage.goto(`${dashboard.url}/keys`);
    await viewerPage.getByText('Not for your role').waitFor();
    await viewer.close();
  });
});
