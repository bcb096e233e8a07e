/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: the approvals inbox. No double.
 */
import type { Page } from 'playwright-core';
import { startRun } from './run-helpers';
import { checkPageOf, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

// The dashboard signs in with the admin key that starts these runs: the gates allow self-approval.
const gated = (name: string) => ({
  name,
  tags: ['gated'],
  plan: { steps: [{ id: 'send', tool: 'builtin.echo', args: { message: name }, approval: { allowSelfApproval: true } }] },
});

describe('the dashboard in a browser: approvals', () => {
  const { stack, ui, it } = useDashboardInBrowser();
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  beforeAll(() => {
    ({ page, dashboard } = ui());
  });
  const checkPage = (name: string) => checkPageOf(page, name);

  it('approves a gated step from the inbox with the keyboard only, and the run goes on', async () => {
    await page.goto(`${dashboard.url}/approvals`);
    await page.getByText('Nothing waits for a decision').waitFor();
    const runId = await startRun(stack, gated('approve-me'));
    const card = page.locator(`[data-approval-id="${runId}:send"]`);
    await card.waitFor({ timeout: 30_000 });
    await checkPage('approvals');
    await card.getByLabel('Comment (optional)').focus();
    await page.keyboard.type('looks right');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Approve');
    await page.keyboard.press('Enter');
    await page.locator(`[data-approval-id="${runId}:send"][data-status="approved"]`).waitFor({ timeout: 30_000 });
    expect((await stack.waitForRun(runId)).status).toBe('completed');
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.locator('[data-status="completed"]').first().waitFor();
    expect(await page.locator('[data-approval="decided"]').textContent()).toContain('approve by admin');
  });

  it('rejects one and the run fails', async () => {
    const runId = await startRun(stack, gated('reject-me'));
    await page.goto(`${dashboard.url}/approvals`);
    const card = page.locator(`[data-approval-id="${runId}:send"]`);
    await card.getByLabel('Comment (optional)').fill('not today');
    await card.getByRole('button', { name: 'Reject' }).click();
    await page.locator(`[data-approval-id="${runId}:send"][data-status="rejected"]`).waitFor({ timeout: 30_000 });
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.locator('[data-status="failed"]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-approval="decided"]').textContent()).toContain('reject');
  });

  it('says plainly why the one who started a run cannot approve it, and nothing is recorded', async () => {
    const runId = await startRun(stack, { name: 'my-own', plan: { steps: [{ id: 'send', tool: 'builtin.echo', args: { message: 'mine' }, approval: true }] } });
    await page.goto(`${dashboard.url}/approvals`);
    const card = page.locator(`[data-approval-id="${runId}:send"]`);
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.getByRole('alert').filter({ hasText: 'You started this run, so you cannot approve it yourself' }).waitFor({ timeout: 30_000 });
    expect(await card.getAttribute('data-status')).toBe('pending');
    const { body } = await stack.request('GET', `/v1/approvals?runId=${runId}`);
    expect(body.approvals.map(({ status, submissions }: { status: string; submissions: unknown[] }) => [status, submissions.length])).toEqual([['pending', 0]]);
  });
});
