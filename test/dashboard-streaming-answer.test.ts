/**
 * The dashboard in a real browser: a run's page shows a model answer as it streams and gives way
 * to the final message when model.called arrives. The test plays the worker's part with the
 * answer streams themselves (activities/answer-stream.ts) over the stack's database, and records
 * the run's facts as the workflow would: no model provider is involved.
 */
import type { Page } from 'playwright-core';
import { createAnswerStreams, forgetRecordedAnswers } from '../activities/answer-stream';
import { appendEvents } from '../lib/event-log';
import { specHash } from '../lib/ids';
import { createLogger } from '../lib/logger';
import { useDashboardInBrowser, type DashboardInBrowser } from './dashboard-browser-kit';

const spec = { tags: [], agent: { model: 'm-streaming', instructions: 'Answer.', tools: [] } };

describe('the dashboard in a browser: a streaming answer', () => {
  const { stack, ui, it } = useDashboardInBrowser();
  let page: Page;
  let dashboard: DashboardInBrowser['dashboard'];
  beforeAll(() => {
    ({ page, dashboard } = ui());
  });

  it('shows the answer as it streams, then the final message in its place', async () => {
    const runId = `run_streaming_${process.pid}`;
    const at = { tenantId: stack.tenantId, runId };
    await appendEvents(stack.db, at, [
      {
        type: 'run.created',
        dedupeKey: `${runId}/run.created`,
        data: { spec, specHash: specHash(spec), mode: 'agent', name: 'streaming', tags: [], idempotencyKey: null },
      },
      { type: 'run.started', dedupeKey: `${runId}/run.started`, data: {} },
    ]);
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.getByTestId('timeline').and(page.locator('[data-last-seq="2"]')).waitFor({ timeout: 30_000 });

    const log = createLogger('test', 'silent');
    const stream = createAnswerStreams(stack.db, log).open({ tenantId: stack.tenantId, runId, turn: 1, attempt: 1 });
    stream.delta('The answer ');
    const streaming = page.getByTestId('streaming-answer');
    await streaming.getByText('The answer', { exact: false }).waitFor({ timeout: 30_000 });
    stream.delta('streams in.');
    await streaming.getByText('The answer streams in.').waitFor({ timeout: 30_000 });
    expect(await streaming.getAttribute('data-turn')).toBe('1');
    await stream.close();

    const data = {
      turn: 1,
      model: spec.agent.model,
      usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
      finishReason: 'stop',
      content: 'The answer streams in.',
      toolCalls: [],
    };
    await appendEvents(stack.db, at, [{ type: 'model.called', dedupeKey: `${runId}/model/1`, data }], { writer: 'workflow' });
    await forgetRecordedAnswers(stack.db, log, stack.tenantId, runId, [{ type: 'model.called', key: 'model/1', data }]);
    await page.getByTestId('timeline').and(page.locator('[data-last-seq="3"]')).waitFor({ timeout: 30_000 });
    await streaming.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('final-answer').getByText('The answer streams in.').waitFor({ timeout: 30_000 });
  });
});
