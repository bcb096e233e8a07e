/**
 * System (a) of the comparison: a worker of our tiny baseline workflow in this process, on its own
 * task queue, started and awaited through @temporalio/client like any Temporal application would.
 */
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import { bundleWorkflowCode, type NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { ulid } from 'ulidx';
import { defaultWorkflowTaskSlots } from '../lib/config';
import { quietBundlerLogger } from '../worker/create-worker';
import { baselineActivities } from './baseline-activities';
import type { baselineRun } from './baseline-workflow';
import type { RunSystem } from './run-system';

export const baselineWorkflowsPath = path.resolve(__dirname, 'baseline-workflow.ts');

export const buildBaselineBundle = (): Promise<WorkflowBundle> => bundleWorkflowCode({ workflowsPath: baselineWorkflowsPath, logger: quietBundlerLogger });

export interface BaselineWorker {
  stop(): Promise<void>;
}

/** Same worker settings as Flightdeck's worker (workflow-task slots included), minus its interceptors and activities. */
export async function startBaselineWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  bundle: WorkflowBundle;
}): Promise<BaselineWorker> {
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.bundle,
    activities: baselineActivities,
    maxConcurrentWorkflowTaskExecutions: defaultWorkflowTaskSlots,
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** Starts one baseline run and resolves with its workflow id once Temporal accepted it. */
export async function startBaselineRun(client: Client, taskQueue: string, steps: number): Promise<string> {
  const handle = await client.workflow.start<typeof baselineRun>('baselineRun', { workflowId: `bench-baseline-${ulid()}`, taskQueue, args: [steps] });
  return handle.workflowId;
}

export async function awaitBaselineRuns(client: Client, workflowIds: string[]): Promise<void> {
  await Promise.all(workflowIds.map((workflowId) => client.workflow.getHandle(workflowId).result()));
}

/** Starts the baseline workflow and waits for its result: one "run" of system (a). */
export function temporalBaselineSystem(options: { connection: Connection; namespace: string; taskQueue: string }): RunSystem {
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  return {
    name: 'temporal',
    async open() {
      return {
        async runOnce(steps: number) {
          const result = await client.workflow.execute<typeof baselineRun>('baselineRun', {
            workflowId: `bench-baseline-${ulid()}`,
            taskQueue: options.taskQueue,
            args: [steps],
          });
          if (result !== steps) throw new Error(`baseline run returned ${String(result)}, expected ${steps}`);
        },
        close: async () => undefined,
      };
    },
  };
}
