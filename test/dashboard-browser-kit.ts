/**
 * What the dashboard's browser test files share: a page check (screenshots, axe, phone width), a
 * test that keeps what the browser saw when it fails, signing in, and one stack with the dashboard
 * and a browser on it per file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildDashboard, chromiumArgs, ensureChromium, ensureScreenshotsDir, startDashboard, type Dashboard } from './dashboard-web';
import { useTestStack, type TestStack, type TestStackOptions } from './stack';

const axeSource = require.resolve('axe-core/axe.min.js');
export const phoneViewport = { width: 390, height: 844 };

export interface DashboardInBrowser {
  dashboard: Dashboard;
  /** Where the browser reaches the dashboard (through `reach`'s proxy, when given). */
  url: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors of `page`, for tests that expect none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * The built dashboard (`next start`) against `apiUrl`, and a desktop-sized Chromium page on it,
 * signed in with `signInWith` when given. `reach` may put something between browser and
 * dashboard (returns the URL the browser should use); `initScript` runs in every page first.
 */
export async function openDashboardInBrowser(options: {
  apiUrl: string;
  signInWith?: string;
  reach?: (dashboardUrl: string) => Promise<string>;
  initScript?: string;
}): Promise<DashboardInBrowser> {
  await buildDashboard();
  const dashboard = await startDashboard({ apiUrl: options.apiUrl });
  const url = options.reach ? await options.reach(dashboard.url) : dashboard.url;
  const browser = await chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()} (${message.location().url})`);
  });
  if (options.signInWith) await signIn(page, url, options.signInWith);
  return {
    dashboard,
    url,
    browser,
    context,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await dashboard.stop();
    },
  };
}

/**
 * Every main page: light and dark screenshots at desktop and phone width (390×844), an axe check
 * with no serious or critical violation, and at phone width no sideways scrolling of the page.
 */
export async function checkPageOf(page: Page, name: string): Promise<void> {
  const dir = ensureScreenshotsDir();
  const desktop = page.viewportSize();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: path.join(dir, `${name}-${colorScheme}.png`), fullPage: true });
    // Next streams a page's metadata, so its <title> may land after the content: axe must see it.
    await page.waitForFunction('document.title.length > 0');
    await page.addScriptTag({ path: axeSource });
    // Runs in the page (the test's tsconfig has no DOM types, hence the string).
    const violations = (await page.evaluate(`axe.run(document).then((result) => result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target) })))`)) as unknown[];
    expect({ page: name, colorScheme, violations }).toEqual({ page: name, colorScheme, violations: [] });
    await page.setViewportSize(phoneViewport);
    await page.screenshot({ path: path.join(dir, `${name}-phone-${colorScheme}.png`), fullPage: true });
    expect({ page: name, ...(await sidewaysOverflow(page)) }).toEqual({ page: name, overflowing: [] });
    if (desktop) await page.setViewportSize(desktop);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * Whether the document scrolls sideways and, if it does, which elements stick out past the
 * viewport (so a failure names the culprit). Wide tables may scroll inside their own box.
 */
async function sidewaysOverflow(page: Page): Promise<{ overflowing: string[] }> {
  return (await page.evaluate(`(() => {
    const root = document.scrollingElement;
    if (root.scrollWidth <= root.clientWidth) return { overflowing: [] };
    const width = root.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      .filter((element) => !element.parentElement || element.parentElement.getBoundingClientRect().right <= width + 1)
      .slice(0, 5)
      .map((element) => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + '.' + String(element.className).split(' ').slice(0, 4).join('.'));
    return { overflowing: ['scrollWidth ' + root.scrollWidth + ' > ' + width, ...culprits] };
  })()`)) as { overflowing: string[] };
}

/** A test whose failure leaves the page's screenshot and HTML in artifacts/failures/, to see what the browser saw. */
export const capturingIt =
  (page: () => Page) =>
  (name: string, body: () => Promise<void>, timeoutMs = 180_000) =>
    global.it(
      name,
      async () => {
        try {
          await body();
        } catch (error) {
          const dir = path.join(ensureScreenshotsDir(), '..', 'failures');
          mkdirSync(dir, { recursive: true });
          const file = path.join(dir, name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60));
          await page()
            .screenshot({ path: `${file}.png`, fullPage: true })
            .catch(() => undefined);
          writeFileSync(
            `${file}.html`,
            await page()
              .content()
              .catch(() => ''),
          );
          throw error;
        }
      },
      timeoutMs,
    );

/** Signs in with `key` and waits for the runs page. */
export async function signIn(page: Page, dashboardUrl: string, key: string): Promise<void> {
  await page.goto(`${dashboardUrl}/sign-in`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
}

/**
 * For the calling describe block: a test stack (see useTestStack), the built dashboard against it
 * and a browser page, signed in as admin unless `signIn` is false; the page closes before the stack.
 * `ui()` is there inside hooks and tests; `it` keeps what the page showed when a test fails.
 */
export function useDashboardInBrowser(options: { stack?: TestStackOptions | (() => TestStackOptions); signIn?: boolean } = {}): {
  stack: TestStack;
  ui: () => DashboardInBrowser;
  it: ReturnType<typeof capturingIt>;
} {
  let ui: DashboardInBrowser | undefined;
  const stack = useTestStack(options.stack, { beforeClose: () => ui?.close() });
  beforeAll(async () => {
    ui = await openDashboardInBrowser({ apiUrl: stack.apiUrl, signInWith: options.signIn === false ? undefined : stack.adminKey });
  }, 600_000);
  const opened = () => {
    if (!ui) throw new Error('the dashboard is not open (its beforeAll failed or has not run)');
    return ui;
  };
  return { stack, ui: opened, it: capturingIt(() => opened().page) };
}
