/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: the header (phone menu, theme switch). No double.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { checkPageOf, phoneViewport, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

describe('the dashboard in a browser: the header', () => {
  const { ui, it } = useDashboardInBrowser();
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  let context: BrowserContext;
  beforeAll(() => {
    ({ page, dashboard, context } = ui());
  });
  const checkPage = (name: string) => checkPageOf(page, name);

  it('at phone width, one menu button holds the main navigation, by pointer and by keyboard', async () => {
    await page.setViewportSize(phoneViewport);
    try {
      await page.goto(`${dashboard.url}/`);
      // The row of links is hidden at this width; the button names the current page.
      expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
      const menuButton = page.getByRole('button', { name: /^Menu, now on Runs/ });
      await menuButton.click();
      await page.getByRole('menuitem', { name: 'Tools' }).click();
      await page.waitForURL(/\/tools$/);
      const toolsButton = page.getByRole('button', { name: /^Menu, now on Tools/ });
      await toolsButton.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('menuitem', { name: 'Runs' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('menu').waitFor({ state: 'detached' });
      // Radix hands the focus back to the trigger just after the menu unmounts; Enter before that is lost.
      await page.waitForFunction("document.activeElement?.getAttribute('aria-haspopup') === 'menu'");
      await page.keyboard.press('Enter');
      await page.getByRole('menuitem', { name: 'Approvals' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/approvals$/);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('switches light and dark from the header, remembered in a cookie; System follows the device', async () => {
    const backgroundOf = () => page.evaluate('getComputedStyle(document.body).backgroundColor') as Promise<string>;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${dashboard.url}/tools`);
    const lightBackground = await backgroundOf();
    await page.getByRole('button', { name: 'Theme: System' }).click();
    await page.getByRole('menuitemradio', { name: 'Dark' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    expect(await backgroundOf()).not.toBe(lightBackground);
    const [cookie] = (await context.cookies()).filter((entry) => entry.name === 'flightdeck_theme');
    expect(cookie?.value).toBe('dark');
    // The server renders the next page dark already, while the device still says light.
    const response = await page.goto(`${dashboard.url}/approvals`);
    expect(await response?.text()).toMatch(/<html[^>]*data-theme="dark"/);
    await checkPage('approvals-dark-theme');
    await page.getByRole('button', { name: 'Theme: Dark' }).click();
    await page.getByRole('menuitemradio', { name: 'System' }).click();
    await page.locator('html[data-theme="system"]').waitFor({ state: 'attached' });
    expect(await backgroundOf()).toBe(lightBackground);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await backgroundOf()).not.toBe(lightBackground);
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
