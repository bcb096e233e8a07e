import type { z } from 'zod';
import type { runSchema, UsageTotals } from '../lib/api-client/schemas';
import type { RunProjection, RunUsage } from '../lib/run-projection';

export interface PresenterContext {
  temporalUiUrl: string;
  namespace: string;
}

/** The workflow's page in Temporal Web UI; the run id is the workflow id. */
export function temporalWorkflowUrl(context: PresenterContext, runId: string): string {
  const base = context.temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(runId)}`;
}

/** Tokens and cost as the API serves them: no total cost when a call had no price. */
export const presentUsage = ({ costUsd, unpricedCalls, ...tokens }: RunUsage): UsageTotals => ({
  ...tokens,
  costUsd: unpricedCalls > 0 ? null : costUsd,
  pricedCostUsd: costUsd,
  unpricedCalls,
});

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
    usage: presentUsage(run.usage),
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
