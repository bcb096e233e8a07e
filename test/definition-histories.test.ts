/**
 * The recorded histories of run definitions, replayed by test/replay.test.ts (and by
 * `npm run replay -- test/fixtures/histories`): every shipped example in definitions/, plus the
 * fixtures whose shapes replay must keep covering (a `ctx.map` fan-out; an ordinary and a local
 * tool call, which test/replay-script.test.ts reorders). Each runs here on the real stack; with
 * FLIGHTDECK_RECORD_HISTORIES=1 its history is saved as test/fixtures/histories/definition-<name>.json.
 *
 * An example that waits for a person (ctx.approval) names its gates in `approvalsGranted`: the run
 * is approved there by an approver key, not the run's creator.
 *
 * A new example in definitions/: add its input to `shippedExampleInputs`, then record with
 *   FLIGHTDECK_RECORD_HISTORIES=1 npx jest --runTestsByPath test/definition-histories.test.ts
 * and commit the new history (this file fails until both are there).
 */
import { Client, Connection } from '@temporalio/client';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findDefinitionFiles, loadDefinitions, shippedDefinitionsDir } from '../lib/definitions';
import { historiesDirectory, saveHistoryFixture } from './history-fixtures';
import { callAs, startRun, typesOf, waitForEnd, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';
import { until } from './wait';

/** One input per definition in definitions/, the run its recorded history comes from. */
const shippedExampleInputs: Record<string, unknown> = {
  'echo-twice': { word: 'hi' },
  'issue-refund': { orderId: 'A-17', amount: 25, currency: 'EUR' },
  refund: { orderId: 'A-17', amount: 30, reason: 'damaged' },
};

/** The gates (ctx.approval steps) of an example's recorded run, each approved as asked. */
const approvalsGranted: Record<string, string[]> = {
  refund: ['approve'],
};

/** Fixtures of test/fixtures/definitions/ with a recorded history too. */
const fixtureInputs: Record<string, unknown> = {
  'fan-out': { items: ['a', 'b', 'c', 'd', 'e'], concurrency: 2 },
  'wait-then-echo': { word: 'replayed' },
};

const definitionHistoryName = (definition: string): string => `definition-${definition}`;

describe('recorded histories of run definitions', () => {
  const stack = useTestStack();
  let approverKey = '';
  beforeAll(async () => {
    approverKey = (await stack.request('POST', '/v1/admin/keys', { name: 'history approver', role: 'approver' })).body.key;
  });

  /** Approves each gate of `steps` once the run asks for it. */
  const grantApprovals = async (runId: string, steps: string[]) => {
    for (const step of steps) {
      await waitForEvents(stack, runId, (events) =>
        events.some((event) => event.type === 'approval.requested' && (event.data as { stepId: string }).stepId === step),
      );
      const decided = await callAs(stack, approverKey, 'POST', `/v1/runs/${runId}/approvals/${encodeURIComponent(`${runId}:${step}`)}`, {
        decision: 'approve',
      });
      expect(decided.status).toBe(202);
    }
  };

  it('has an example input and a committed history for every definition in definitions/', async () => {
    const shipped = [...(await loadDefinitions(await findDefinitionFiles([shippedDefinitionsDir]))).keys()].sort();
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.filter((name) => !(name in shippedExampleInputs))).toEqual([]);
    if (process.env.FLIGHTDECK_RECORD_HISTORIES) return; // being recorded by the tests below
    const missing = [...shipped, ...Object.keys(fixtureInputs)].filter(
      (name) => !existsSync(path.join(historiesDirectory, `${definitionHistoryName(name)}.json`)),
    );
    expect(missing).toEqual([]);
  });

  it.each(Object.entries({ ...shippedExampleInputs, ...fixtureInputs }))('runs %s to completion (and records its history)', async (definition, input) => {
    const runId = await startRun(stack, { definition, input });
    await grantApprovals(runId, approvalsGranted[definition] ?? []);
    const events = await waitForEnd(stack, runId);
    expect(typesOf(events).at(-1)).toBe('run.completed');
    if (!process.env.FLIGHTDECK_RECORD_HISTORIES) return;
    // The log can hold run.completed before Temporal's history holds the task that wrote it: record the closed workflow.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const handle = new Client({ connection }).workflow.getHandle(runId);
      await until(async () => (await handle.describe()).status.name, { message: `workflow ${runId} to close`, done: (status) => status === 'COMPLETED' });
    } finally {
      await connection.close();
    }
    await saveHistoryFixture(definitionHistoryName(definition), runId);
  });
});
