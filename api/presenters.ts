import type { z } from 'zod';
import type { runSchema } from '../lib/api-client/schemas';
import type { RunProjection } from '../lib/run-projection';

export interface PresenterContext {
  temporalUiUrl: string;
  namespace: string;
}

/** The workflow's page in Temporal Web UI; the run id is the workflow id. */
export function temporalWorkflowUrl(context: PresenterContext, runId: string): string {
  const base = context.temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(runId)}`;
}

/** A run as the API serves it: the projection plus links, without storage internals. */
export function presentRun(context: PresenterContext, run: RunProjection, options: { withSpec: boolean }) {
  return {
    id: run.id,
    name: run.name,
    mode: run.mode,
    status: run.status,
    tags: run.tags,
    currentStep: run.currentStep,
    pendingApprovals: run.pendingApprovals,
    toolCalls: run.toolCalls,
    lastError: run.lastError,
    output: run.output,
    createdBy: run.createdBy,
    parentRunId: run.parentRunId,
    originRunId: run.originRunId,
    lastSeq: run.lastSeq,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    completedAt: run.completedAt?.toISOString() ?? null,
    temporalUrl: temporalWorkflowUrl(context, run.id),
    ...(options.withSpec ? { spec: run.spec } : {}),
  } satisfies z.input<typeof runSchema>;
}
export type RunView = ReturnType<typeof presentRun>;
