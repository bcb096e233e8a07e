/**
 * The dashboard in a real browser (Debian Chromium through playwright-core) against a real API,
 * worker, Temporal and Postgres: starting a run and its page (timeline, attempts, chat, live
 * view). The only double is the model provider (fake-chat-completions-server).
 */
import type { Page } from 'playwright-core';
import { answer, FakeChatCompletionsServer } from './fake-chat-completions-server';
import { eventsOf, startRun } from './run-helpers';
import { checkPageOf, useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

describe('the dashboard in a browser: a run', () => {
  let model: FakeChatCompletionsServer;
  beforeAll(async () => {
    model = await new FakeChatCompletionsServer().start();
    model.script('m-ui-chat', [answer('Hello! What shall we talk about?')], answer('Noted, thank you.'));
  });
  const { stack, ui, it } = useDashboardInBrowser({ stack: () => ({ env: { MODEL_BASE_URL: model.baseUrl, MODEL_API_KEY: 'test-model-key' } }) });
  afterAll(async () => {
    await model?.stop();
  });

  /** The timeline's own count of events against the last seq it holds, and what the API says. */
  const timelineMatchesLog = async (runId: string) => {
    const timeline = page.getByTestId('timeline');
    const { lastSeq } = await stack.client.getRun(runId);
    await expectAttribute(timeline, 'data-last-seq', String(lastSeq));
    expect(await timeline.getAttribute('data-event-count')).toBe(String(lastSeq));
  };

  const expectAttribute = async (locator: ReturnType<Page['locator']>, name: string, value: string) => {
    await locator.and(page.locator(`[${name}="${value}"]`)).waitFor({ timeout: 30_000 });
  };
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  beforeAll(() => {
    ({ page, dashboard } = ui());
  });
  const checkPage = (name: string) => checkPageOf(page, name);

  it('shows the API 422 at the field it is about, then starts a run from a template and watches it complete live', async () => {
    await page.goto(`${dashboard.url}/runs/new`);
    await page.getByRole('tab', { name: 'Paste a spec' }).click();
    await page.getByLabel('Run spec (JSON)').fill(JSON.stringify({ name: 'broken', plan: { steps: [{ id: 'a', tool: 'builtin.nope', args: {} }] } }));
    await page.getByRole('button', { name: 'Start run' }).click();
    const specError = page.locator('#field-spec-error');
    await specError.waitFor();
    expect(await specError.textContent()).toContain('plan.steps.0.tool');
    expect(await page.getByLabel('Run spec (JSON)').getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('tab', { name: 'From a template' }).click();
    await page.getByLabel('Template', { exact: true }).selectOption('flaky');
    await page.getByLabel('Name', { exact: true }).fill('from-the-ui');
    await checkPage('start-run');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/run_/);
    const runId = page.url().split('/runs/')[1]!;
    await page.locator('[data-status="completed"]').first().waitFor({ timeout: 30_000 });
    await timelineMatchesLog(runId);
    // Every attempt is there: two failures with their error class and retry delay, then the success.
    expect(await page.locator('[data-attempt][data-outcome="failed"]').count()).toBe(2);
    expect(await page.locator('[data-attempt][data-outcome="succeeded"]').count()).toBe(1);
    await page.getByTestId('verification').and(page.locator('[data-ok="true"]')).waitFor();
    await checkPage('run-detail');
  });

  it('chats with a conversational agent run', async () => {
    const runId = await startRun(stack, {
      name: 'ui-chat',
      agent: { model: 'm-ui-chat', instructions: 'Chat.', tools: [], conversational: true, idleTimeout: '5m' },
    });
    await page.goto(`${dashboard.url}/runs/${runId}`);
    const messages = page.getByTestId('chat-messages');
    await messages.getByText('Hello! What shall we talk about?').waitFor({ timeout: 30_000 });
    await page.getByLabel('Message to the agent').fill('the weather, please');
    await page.getByRole('button', { name: 'Send' }).click();
    await messages.locator('[data-from="user"]').getByText('the weather, please').waitFor({ timeout: 30_000 });
    await messages.getByText('Noted, thank you.').waitFor({ timeout: 30_000 });
    expect(
      model
        .requestsFor('m-ui-chat')
        .at(-1)
        ?.messages.some((message) => message.content === 'the weather, please'),
    ).toBe(true);
    await page.locator('[data-model-turn]').first().waitFor();
    await stack.client.cancelRun(runId, 'test done');
  });

  it('keeps a live view across an API restart: it shows it reconnected and resumes with no gap and no duplicate', async () => {
    const runId = await startRun(stack, {
      name: 'survives-restart',
      plan: { steps: [1, 2, 3, 4].map((index) => ({ id: `wait-${index}`, tool: 'builtin.wait', args: { seconds: 1 } })) },
    });
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.locator('[data-live-status="live"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-group="step:wait-1"]').waitFor({ timeout: 30_000 });
    await stack.restartApi();
    await page.locator('[data-status="completed"]').first().waitFor({ timeout: 60_000 });
    expect(Number(await page.locator('[data-live-status]').getAttribute('data-reconnects'))).toBeGreaterThanOrEqual(1);
    await timelineMatchesLog(runId);
    expect(await page.locator('[data-group^="step:"]').count()).toBe(4);
  });
  it('replays an ended run, and forks it from a step with another input', async () => {
    const runId = await startRun(stack, {
      name: 'to-derive',
      input: { word: 'one' },
      plan: {
        steps: [
          { id: 'first', tool: 'builtin.echo', args: { fixed: 'always' } },
          { id: 'second', tool: 'builtin.echo', args: { word: '${input.word}' } },
        ],
      },
    });
    await stack.waitForRun(runId);
    const succeeded = async (id: string) =>
      (await eventsOf(stack, id))
        .filter((event) => event.type === 'tool.call.succeeded')
        .map((event) => event.data as { stepId: string; output: unknown; reusedFrom?: { runId: string } });
    const derivedRun = async (mode: 'Replay of' | 'Fork of') => {
      await page.waitForURL((url) => /\/runs\/run_/.test(url.pathname) && !url.pathname.endsWith(runId), { timeout: 30_000 });
      const id = decodeURIComponent(page.url().split('/runs/')[1]!);
      await page.getByText(mode, { exact: true }).waitFor();
      expect(await page.getByTestId('origin-run').textContent()).toBe(runId);
      await page.locator('[data-status="completed"]').first().waitFor({ timeout: 30_000 });
      return id;
    };

    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('button', { name: 'Start replay' }).click();
    const replayId = await derivedRun('Replay of');
    expect((await succeeded(replayId)).map((call) => [call.stepId, call.reusedFrom?.runId])).toEqual([
      ['first', runId],
      ['second', runId],
    ]);
    // A replay is an ended run's: a running one offers Cancel, not Replay; every run offers a fork.
    expect(await page.getByRole('button', { name: 'Replay', exact: true }).count()).toBe(1);

    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.getByRole('button', { name: 'Fork from here: step second' }).click();
    await page.getByLabel(/^Input \(JSON/).fill('{ "word": ');
    await page.getByRole('button', { name: 'Start fork' }).click();
    await page
      .locator('#fork-input-error')
      .getByText(/not valid JSON/)
      .waitFor();
    await page.getByLabel(/^Input \(JSON/).fill('{ "word": "two" }');
    await page.getByRole('button', { name: 'Start fork' }).click();
    const forkId = await derivedRun('Fork of');
    const forked = await succeeded(forkId);
    expect(forked.map((call) => [call.stepId, call.reusedFrom?.runId ?? null])).toEqual([
      ['first', runId],
      ['second', null],
    ]);
    expect(forked[1]!.output).toMatchObject({ word: 'two' });
    expect((await stack.client.listRuns({ originRunId: runId })).runs.map((run) => run.id).sort()).toEqual([replayId, forkId].sort());
  });
});
