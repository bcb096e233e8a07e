import { checkExtends } from '@temporalio/common/lib/type-helpers';
import type { z } from 'zod';
import type { runSchema } from './api-client/schemas';
import type { EventData, TypedEventData } from './event-schemas';
import type { Actor, RunStatus } from './events';
import type { RunMode, RunSpec } from './run-spec';
import { roundUsd } from './model-prices';
import { addUsage, noUsage, usageOf } from './model-usage';
import type { ModelUsage } from './workflow-contract';

/** A run's model calls together: their tokens, the cost of the priced ones, and how many had no price. */
export interface RunUsage extends ModelUsage {
  costUsd: number;
  unpricedCalls: number;
}

/** The `runs` read model: everything in it is derived from the run's events, in order. */
export interface RunProjection {
  id: string;
  tenantId: string;
  name: string | null;
  mode: RunMode;
  status: RunStatus;
  tags: string[];
  /** The tools the spec uses (plan steps' or the agent's), sorted: what the list filters by. */
  tools: string[];
  spec: RunSpec;
  specHash: string;
  idempotencyKey: string | null;
  /** The run whose `ctx.run` started this one; null for a run started through the API or a schedule. */
  parentRunId: string | null;
  /** The run a replay or a fork reuses the results of (`spec.origin`); null otherwise. */
  originRunId: string | null;
  output: unknown;
  currentStep: string | null;
  pendingApprovals: number;
  toolCalls: { started: number; succeeded: number; failed: number };
  usage: RunUsage;
  lastError: EventData<'run.failed'>['error'] | null;
  createdBy: Actor | null;
  lastSeq: number;
  lastHash: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

// The projection's fields the API serves as they are must have the wire's types (api/presenters.ts).
checkExtends<z.output<typeof runSchema>['lastError'], RunProjection['lastError']>();
checkExtends<RunProjection['lastError'], z.input<typeof runSchema>['lastError']>();

/** A stored event as the projections fold it: `data` is typed by `type` (lib/event-schemas.ts). */
export type ProjectedEvent = {
  tenantId: string;
  runId: string;
  seq: number;
  at: Date;
  actor: Actor | null;
  hash: string;
} & TypedEventData;

/** `run.created` data: what the projection's first row is built from. */
export type RunCreatedData = EventData<'run.created'>;

/** Folds one event into the projection. Pure, so `rebuild-projections` yields identical rows. */
export function applyEvent(run: RunProjection | null, event: ProjectedEvent): RunProjection {
  if (!run) {
    if (event.type !== 'run.created') {
      throw new Error(`run ${event.runId}: the first event must be run.created, got ${event.type}`);
    }
    const created = event.data;
    return {
      id: event.runId,
      tenantId: event.tenantId,
      name: created.name,
      mode: created.mode,
      status: 'created',
      tags: created.tags,
      tools: toolsUsedBy(created.spec),
      spec: created.spec,
      specHash: created.specHash,
      idempotencyKey: created.idempotencyKey,
      parentRunId: created.parentRunId ?? null,
      originRunId: created.spec.origin?.runId ?? null,
      output: null,
      currentStep: null,
      pendingApprovals: 0,
      toolCalls: { started: 0, succeeded: 0, failed: 0 },
      usage: { ...noUsage(), costUsd: 0, unpricedCalls: 0 },
      lastError: null,
      createdBy: event.actor,
      lastSeq: event.seq,
      lastHash: event.hash,
      createdAt: event.at,
      updatedAt: event.at,
      startedAt: null,
      completedAt: null,
    };
  }
  const next: RunProjection = {
    ...run,
    toolCalls: { ...run.toolCalls },
    usage: { ...run.usage },
    lastSeq: event.seq,
    lastHash: event.hash,
    updatedAt: event.at,
  };
  switch (event.type) {
    case 'run.started':
      // A start that lands late (after a terminate the API recorded) never revives an ended run.
      if (next.status === 'created') next.status = 'running';
      next.startedAt ??= event.at;
      break;
    case 'step.started':
      next.currentStep = event.data.stepId;
      break;
    case 'step.skipped':
      // A skipped step never becomes the current one: currentStep names a step that ran.
      break;
    case 'tool.call.started':
      next.toolCalls.started += 1;
      break;
    case 'tool.call.succeeded':
      next.toolCalls.succeeded += 1;
      break;
    case 'tool.call.failed':
      next.toolCalls.failed += 1;
      next.lastError = event.data.error ?? null;
      break;
    case 'model.called':
      addUsage(next.usage, usageOf(event.data.usage));
      // An older call recorded no cost: unpriced, as a call of a model with no price is.
      if (typeof event.data.costUsd === 'number') next.usage.costUsd = roundUsd(next.usage.costUsd + event.data.costUsd);
      else next.usage.unpricedCalls += 1;
      break;
    case 'approval.requested':
      next.pendingApprovals += 1;
      next.status = 'awaiting_approval';
      break;
    case 'approval.decided':
    case 'approval.expired':
      next.pendingApprovals = Math.max(0, next.pendingApprovals - 1);
      if (next.pendingApprovals === 0 && next.status === 'awaiting_approval') next.status = 'running';
      break;
    case 'connection.required':
      next.status = 'awaiting_connection';
      break;
    case 'connection.resolved':
    case 'connection.expired':
      if (next.status === 'awaiting_connection') next.status = 'running';
      break;
    case 'run.completed':
      endRun(next, 'completed', event.at);
      next.output = event.data.output ?? null;
      next.currentStep = null;
      break;
    case 'run.failed':
      // currentStep stays: it names the step the run failed at.
      endRun(next, 'failed', event.at);
      next.lastError = event.data.error ?? null;
      break;
    case 'run.terminated':
    case 'run.cancelled':
      endRun(next, event.type === 'run.terminated' ? 'terminated' : 'cancelled', event.at);
      next.currentStep = null;
      break;
    default:
      break;
  }
  return next;
}

/** A run that ended has nothing pending any more. */
function endRun(run: RunProjection, status: RunStatus, at: Date): void {
  run.status = status;
  run.pendingApprovals = 0;
  run.completedAt = at;
}

export function toolsUsedBy(spec: RunSpec): string[] {
  const used = spec.plan ? spec.plan.steps.map((step) => step.tool) : (spec.agent?.tools ?? []);
  return [...new Set(used)].sort();
}
