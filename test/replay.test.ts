import { Worker } from '@temporalio/worker';
import { dropWorkflowSpans, tracingBundlePath } from '../worker/create-worker';
import { loadHistoryFixtures } from './history-fixtures';

describe('replaying recorded histories against the current workflow code', () => {
  // Both bundles a worker may load: plain, and the tracing twin with the OpenTelemetry interceptors.
  it.each([
    ['the plain bundle', (plain: string) => plain],
    ['the tracing bundle', tracingBundlePath],
  ])(
    'finds no nondeterminism in any fixture with %s',
    async (_name, bundleOf) => {
      const plainPath = process.env.WORKFLOW_BUNDLE_PATH;
      if (!plainPath) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run through jest (test/global-setup.ts)');
      const bundlePath = bundleOf(plainPath);
      const histories = await loadHistoryFixtures();
      // Plan and agent runs, chat across continue-as-new, cancel, terminate, limits, definitions: a vacuous pass would be a failure.
      expect(histories.map((history) => history.workflowId)).toEqual(
        expect.arrayContaining([
          'plan-retry',
          'plan-cancelled',
          'plan-deadline',
          'agent-tools',
          'agent-chat-first-run',
          'agent-chat-last-run',
          'connection-resolved',
          'connection-expired',
          'limit-wait',
          // Signals verified by the worker before they count (the signed-signals patch).
          'approval-signed-signals',
          'plan-dag-diamond',
          'plan-dag-failed-branch',
          'plan-foreach',
          'plan-when-skipped',
          'definition-echo-twice',
          'definition-research',
          'definition-fan-out',
          'definition-wait-then-echo',
          // An approval, then a child run (ctx.run): StartChildWorkflowExecution and its completion.
          'definition-refund',
          'definition-issue-refund',
          // A definition's start folded into its first call, and stored on its own before a wait.
          'definition-folded-start',
          'definition-folded-start-before-wait',
        ]),
      );
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath }, sinks: { exporter: dropWorkflowSpans } }, histories)) {
        replayed += 1;
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
      }
      expect(failures).toEqual([]);
      expect(replayed).toBe(histories.length);
    },
    120_000,
  );
});
