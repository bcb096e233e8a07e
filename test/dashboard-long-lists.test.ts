/**
 * Long lists in a real browser: a tenant with 1,000 runs and a run with 5,000 events, written
 * through the event log (test/seed-runs.ts), then read by the dashboard as a user would. Asserts
 * what must hold (the last row and the last event are reachable, the DOM holds a small window of
 * rows); timings are printed as figures, never asserted.
 */
import os from 'node:os';
import type { Locator, Page } from 'playwright-core';
import { capturingIt, openDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';
import { completeSeededRun, seedCompletedRuns, seedLongRun } from './seed-runs';
import { useTestStack } from './stack';

const RUNS = 1_000;
/** 3 events a step, plus run.created and run.started: 5,000 events. */
const LONG_RUN_STEPS = 1_666;
const PAGE_SIZE = 100; // the runs page's own page size (web/app/(app)/page.tsx)

const figures: Record<string, string | number> = {};
const since = (start: number) => Date.now() - start;

/**
 * Scrolls the window to its end until `target` is rendered: the virtualizer measures rows as they
 * appear, so the end moves a few times before it settles. Returns the scroll steps it took.
 */
async function scrollUntilRendered(page: Page, target: Locator): Promise<number> {
  for (let step = 1; step <= 200; step += 1) {
    await page.evaluate('window.scrollTo(0, document.scrollingElement.scrollHeight)');
    if ((await target.count()) > 0) {
      await target.scrollIntoViewIfNeeded();
      return step;
    }
    // A poll interval, not a proof: the loop ends on the row appearing.
    await page.waitForTimeout(100);
  }
  throw new Error('the end of the list never rendered its last row');
}

describe('the dashboard with long lists', () => {
  let ui: DashboardInBrowser;
  let page: Page;
  let runIds: string[];
  let longRun: { runId: string; lastSeq: number };
  const it = capturingIt(() => page);

  const stack = useTestStack(
    { worker: 'none' },
    {
      beforeClose: async () => {
        const load = os
          .loadavg()
          .map((value) => value.toFixed(1))
          .join(' / ');
        process.stderr.write(`\ndashboard long lists (${new Date().toISOString()}, ${os.cpus().length} cores, load 1/5/15 min ${load}):\n`);
        for (const [name, value] of Object.entries(figures)) process.stderr.write(`  ${name}: ${value}\n`);
        await ui?.close();
      },
    },
  );
  beforeAll(async () => {
    let start = Date.now();
    runIds = await seedCompletedRuns(stack.db, stack.tenantId, RUNS);
    figures['seed 1,000 runs (ms)'] = since(start);
    start = Date.now();
    longRun = await seedLongRun(stack.db, stack.tenantId, LONG_RUN_STEPS);
    figures['seed 5,000 events (ms)'] = since(start);
    ui = await openDashboardInBrowser({ apiUrl: stack.apiUrl, signInWith: stack.adminKey });
    page = ui.page;
  }, 600_000);

  it('lists 1,000 runs: counts them all, renders a small window of each page, and reaches the oldest run page by page', async () => {
    expect(runIds).toHaveLength(RUNS);
    const start = Date.now();
    await page.goto(`${ui.url}/`);
    await page.locator(`[data-run-id="${runIds.at(-1)}"]`).waitFor();
    figures['runs list: first rows (ms, navigation to newest row shown)'] = since(start);
    expect(await page.locator('[data-count="all"]').textContent()).toBe(String(RUNS + 1));
    expect(await page.getByTestId('runs-shown').textContent()).toContain(`${PAGE_SIZE} runs`);
    const rendered = await page.locator('[data-run-id]').count();
    figures[`runs list: rows in the DOM (of ${PAGE_SIZE} on the page)`] = rendered;
    expect(rendered).toBeLessThan(PAGE_SIZE / 2);

    // The page's last row is not rendered until scrolled to. The long run is the newest of all,
    // so page 1 ends with the 99th seeded run counted from the newest.
    const lastOnFirstPage = page.locator(`[data-run-id="${runIds.at(-(PAGE_SIZE - 1))}"]`);
    expect(await lastOnFirstPage.count()).toBe(0);
    const scrollStart = Date.now();
    await scrollUntilRendered(page, lastOnFirstPage);
    figures["runs list: scroll to the page's last row (ms)"] = since(scrollStart);
    expect(await lastOnFirstPage.isVisible()).toBe(true);
    expect(await page.locator('[data-run-id]').count()).toBeLessThan(PAGE_SIZE / 2);

    // Page by page to the oldest run: 1,001 runs make 11 pages, the last holding only the first one seeded.
    let pages = 1;
    const pagingStart = Date.now();
    for (;;) {
      const older = page.getByRole('link', { name: 'Older runs →' });
      if ((await older.count()) === 0) break;
      const firstOnNextPage = runIds.at(-(pages * PAGE_SIZE))!;
      // A click on the element itself, not at its place on screen: Next scrolls a page it has just
      // shown to the top, and a pointer click aimed at the link at the bottom could land after that
      // scroll, on whatever then sits there (seen: the click went nowhere and the page stayed).
      await older.dispatchEvent('click');
      pages += 1;
      await page.locator(`[data-run-id="${firstOnNextPage}"]`).waitFor();
    }
    figures['runs list: following "Older runs" (ms per page)'] = Math.round(since(pagingStart) / Math.max(1, pages - 1));
    expect(pages).toBe(Math.ceil((RUNS + 1) / PAGE_SIZE));
    expect(await page.locator('[data-run-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')))).toEqual([runIds[0]]);
    expect(ui.pageErrors).toEqual([]);
  });

  it('shows a run of 5,000 events: a small window of rows, live after the last, and scrolls to the end to the event appended live', async () => {
    const start = Date.now();
    await page.goto(`${ui.url}/runs/${longRun.runId}`);
    await page.locator('[data-group="step:step-1"]').waitFor();
    figures['run of 5,000 events: first rows (ms, navigation to first step shown)'] = since(start);
    await page.locator('[data-live-status="live"]').waitFor({ timeout: 30_000 });
    figures['run of 5,000 events: live (ms)'] = since(start);
    const timeline = page.getByTestId('timeline');
    expect(await timeline.getAttribute('data-event-count')).toBe(String(longRun.lastSeq));
    const rowsInDom = () => timeline.locator('[data-index]').count();
    const timelineRows = await timeline.locator('[data-row-count]').getAttribute('data-row-count');
    figures[`run of 5,000 events: rows in the DOM at the top (of ${timelineRows} timeline rows)`] = await rowsInDom();
    expect(await rowsInDom()).toBeLessThan(100);

    await completeSeededRun(stack.db, stack.tenantId, longRun.runId);
    await timeline.and(page.locator(`[data-last-seq="${longRun.lastSeq + 1}"]`)).waitFor({ timeout: 30_000 });
    const scrollStart = Date.now();
    const completed = page.locator('[data-event-type="run.completed"]');
    figures['run of 5,000 events: scroll steps to the end'] = await scrollUntilRendered(page, completed);
    figures['run of 5,000 events: scroll to the last event (ms)'] = since(scrollStart);
    expect(await completed.isVisible()).toBe(true);
    expect(await completed.textContent()).toContain(`#${longRun.lastSeq + 1}`);
    figures['run of 5,000 events: rows in the DOM at the end'] = await rowsInDom();
    expect(await rowsInDom()).toBeLessThan(100);
    expect(await timeline.getAttribute('data-event-count')).toBe(String(longRun.lastSeq + 1));
    expect(ui.pageErrors).toEqual([]);
  });
});
