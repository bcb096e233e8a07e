import { type NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import type { Knex } from 'knex';
import path from 'node:path';
import { createActivities } from '../activities';
import type { ModelProviderConfig } from '../activities/call-model';
import { eventLogInterceptor } from '../activities/event-log-interceptor';
import type { ToolRegistry } from '../activities/tools/registry';

export const workflowsPath = path.resolve(__dirname, '..', 'workflows', 'index.ts');

/** Bundles `workflows/` once; tests and production reuse the bundle instead of rebuilding it per worker. */
export async function buildWorkflowBundle(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

/** Webpack's progress lines are noise in tests and the bench; its warnings and errors are not. */
export const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Knex;
  tools: ToolRegistry;
  model?: ModelProviderConfig;
  shutdownGraceTime?: string;
  /** A prebuilt bundle (tests, production); without one the worker bundles at start. */
  workflowBundle?: WorkflowBundleOption;
}

/** A worker for `agentRun`, whose tool calls pass through the event-log interceptor. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities({ db: options.db, tools: options.tools, model: options.model }),
    interceptors: { activity: [eventLogInterceptor(options.db, options.tools)] },
    // On SIGTERM, in-flight tool calls get this long to finish (and record their outcome) before
    // they are cancelled; what does not finish is retried by Temporal on another worker.
    shutdownGraceTime: options.shutdownGraceTime ?? '20s',
  });
}
