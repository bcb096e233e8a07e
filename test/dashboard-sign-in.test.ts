/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: signing in. No double.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { checkPageOf, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

describe('the dashboard in a browser: sign-in', () => {
  const { stack, ui, it } = useDashboardInBrowser({ signIn: false });
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  let context: BrowserContext;
  beforeAll(() => {
    ({ page, dashboard, context } = ui());
  });
  const checkPage = (name: string) => checkPageOf(page, name);

  it('sends a visitor to sign in, refuses a wrong key at the field, and keeps the key in an httpOnly cookie', async () => {
    await page.goto(`${dashboard.url}/`);
    await page.waitForURL(/\/sign-in/);
    await checkPage('sign-in');
    await page.getByLabel('API key').fill('not-a-key-the-api-knows');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the API does not accept this key').waitFor();
    await page.getByLabel('API key').fill(stack.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    const [cookie] = (await context.cookies()).filter((entry) => entry.name === 'flightdeck_key');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate('document.cookie + JSON.stringify(localStorage)')).not.toContain(stack.adminKey);
    await page.getByText('No runs yet').waitFor();
    await checkPage('runs-empty');
  });
});
