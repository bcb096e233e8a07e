import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ToolRegistry } from '../../tools/registry';
import type { RunStartSettings } from '../../lib/config';
import { AppError, describeIssues } from '../../lib/errors';
import type { DefinitionCatalog } from '../../lib/definitions';
import type { RunDefinition } from '../../sdk/define-run';
import type { InFlight } from '../../lib/in-flight';
import { appendEventsWithRun, eventLogOf } from '../../lib/event-log';
import type { Actor } from '../../lib/events';
import { runsStartedEagerlyTotal, runsStartedTotal } from '../../lib/metrics';
import { idempotentRunId, newRunId, specHash } from '../../lib/ids';
import type { RunCreatedData, RunProjection } from '../../lib/run-projection';
import { runModeOf, type RunSpec } from '../../lib/run-spec';
import { findRun } from '../../lib/runs-store';
import { dedupeKeys, workflowType, type AgentRunInput, type ToolCallPolicy } from '../../lib/workflow-contract';
import { runStartSearchAttributes } from '../../lib/search-attributes';
import type { Principal } from '../keys';
import { resolveRunPolicies } from './resolve-policies';

/** How long a POST waits for Temporal to accept the workflow before answering 503. */
const startDeadlineMs = 10_000;

/** Task queue and history limit come from `runStartSettings` (lib/config.ts) in the API and the worker alike. */
export interface RunServiceDeps extends RunStartSettings {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
  tools: ToolRegistry;
  /**
   * Ask Temporal to hand the run's first workflow task straight back to a worker in this process
   * (eager start): only when `temporal` is built on the NativeConnection of a worker that serves
   * `taskQueue` here, which the SDK checks; it saves the first task's trip through matching.
   */
  eagerStart?: boolean;
}

export interface StartRunResult {
  run: RunProjection;
  created: boolean;
}

/**
 * Starts a run: validate, start the `agentRun` workflow, record `run.created`. With an
 * idempotency key the run id (and so the workflow id) is derived from tenant + key, so a repeated
 * POST finds the same run; the same key with another spec is a conflict.
 */
export async function startRun(
  deps: RunServiceDeps,
  principal: Principal,
  spec: RunSpec,
  /** `originFound`: a replay or a fork already found `spec.origin`'s run in the tenant (derive-run.ts). */
  options: { onBehalfOf?: Actor; reusedSteps?: string[]; originFound?: boolean } = {},
): Promise<StartRunResult> {
  // The tenant's view (its own MCP servers too); a stale or never-loaded catalog reloads first, so its tools are not called unknown.
  const tools = deps.tools.forTenant(principal.tenantId);
  await tools.refresh();
  const checked = checkRunSpec({ ...deps, tools }, spec);
  spec = checked.spec;
  const { policies } = checked;
  const hash = specHash(spec);
  const runId = spec.idempotencyKey ? idempotentRunId(principal.tenantId, spec.idempotencyKey) : newRunId();

  if (spec.idempotencyKey) {
    const existing = await findRun(deps.db, principal.tenantId, runId);
    if (existing) return { run: assertSameSpec(existing, hash), created: false };
  }

  if (spec.origin && !options.originFound) await assertOriginOfTenant(deps, principal, spec.origin.runId);
  const created = runCreatedData(spec, hash);
  const input: AgentRunInput = {
    ...agentRunInputOf(
      { ...deps, tools },
      {
        tenantId: principal.tenantId,
        runId,
        spec,
        created,
        createdBy: principal.actor,
        onBehalfOf: options.onBehalfOf,
        policies,
      },
    ),
    ...(options.reusedSteps && options.reusedSteps.length > 0 ? { reusedSteps: options.reusedSteps } : {}),
  };

  let startedNow = true;
  const start = () =>
    deps.temporal.workflow.start(workflowType, {
      workflowId: runId,
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      ...(deps.eagerStart ? { requestEagerStart: true } : {}),
      typedSearchAttributes: runStartSearchAttributes(principal.tenantId, spec.tags),
    });
  try {
    const handle = await deps.temporalCalls.track(deps.temporal.connection.withDeadline(Date.now() + startDeadlineMs, start));
    if (handle.eagerlyStarted) runsStartedEagerlyTotal.inc();
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      throw new AppError('unavailable', 'could not start the run: Temporal did not accept the workflow', {
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    startedNow = false; // a concurrent POST with the same key won the race
  }

  // The workflow records the same fact under the same key; whichever write lands first is kept.
  const appended = await appendEventsWithRun(
    deps.db,
    { tenantId: principal.tenantId, runId },
    [{ type: 'run.created', dedupeKey: dedupeKeys.runFact(runId, 'run.created'), data: { ...created }, actor: principal.actor }],
    { writer: 'api' },
  );
  if (startedNow) runsStartedTotal.inc();
  const run = appended.run ?? (await findRun(deps.db, principal.tenantId, runId));
  if (!run) throw new Error(`run ${runId} has no projection after run.created`);
  return { run: startedNow ? run : assertSameSpec(run, hash), created: startedNow };
}

/** The `run.created` fact of a run of `spec`; a child run's (`ctx.run`) names its parent. */
export function runCreatedData(spec: RunSpec, hash: string, parent?: { runId: string; step: string }): RunCreatedData {
  return {
    spec,
    specHash: hash,
    mode: runModeOf(spec),
    name: spec.name ?? null,
    tags: spec.tags,
    idempotencyKey: spec.idempotencyKey ?? null,
    ...(parent ? { parentRunId: parent.runId, parentStep: parent.step } : {}),
  };
}

/**
 * What the `agentRun` workflow starts with, for a start through the API or a schedule and for a
 * child run (activities/prepare-child-run.ts) alike.
 */
export function agentRunInputOf(
  deps: Pick<RunServiceDeps, 'db' | 'tools' | 'historyEventsLimit'>,
  run: Pick<AgentRunInput, 'tenantId' | 'runId' | 'spec' | 'created' | 'createdBy' | 'policies'> & { onBehalfOf?: Actor | null },
): AgentRunInput {
  const { onBehalfOf, ...rest } = run;
  return {
    ...rest,
    ...(onBehalfOf ? { onBehalfOf } : {}),
    // The worker's recordEvent redacts approval.requested with its own keys: both processes share FLIGHTDECK_REDACT_KEYS.
    redactKeys: [...(eventLogOf(deps.db).redaction.extraKeys ?? [])],
    ...(run.spec.agent ? { modelTools: deps.tools.modelTools(run.spec.agent.tools) } : {}),
    ...(deps.historyEventsLimit ? { historyEventsLimit: deps.historyEventsLimit } : {}),
  };
}

/**
 * What a start checks before it starts anything, and a schedule at its creation: a definition's
 * input against its schema (404 unknown definition, 400 with the issues under `input.`), then
 * whether the spec can run (422, resolveRunPolicies). Returns the spec with the definition's
 * defaults applied and the resolved policies. `tools` is the tenant's view (`forTenant`), fresh (`refresh()`).
 */
export function checkRunSpec(
  deps: Pick<RunServiceDeps, 'tools' | 'approvalPolicy' | 'definitions'>,
  spec: RunSpec,
): { spec: RunSpec; policies: Record<string, ToolCallPolicy> } {
  const withDefaults = spec.definition ? withDefinitionDefaults(spec, checkDefinitionInput(deps.definitions ?? new Map(), spec.definition, spec.input)) : spec;
  return { spec: withDefaults, policies: resolveRunPolicies(withDefaults, deps.tools, deps.approvalPolicy) };
}

/** The named definition, once `input` fits its input schema: 404 naming the known ones, or 400 with the schema's issues. */
function checkDefinitionInput(definitions: DefinitionCatalog, name: string, input: unknown): RunDefinition {
  const loaded = definitions.get(name);
  if (!loaded) {
    const known = [...definitions.keys()].sort();
    throw new AppError('not_found', `no run definition "${name}" (known: ${known.length > 0 ? known.join(', ') : 'none'}; GET /v1/definitions lists them)`, {
      known,
    });
  }
  const parsed = loaded.definition.input.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'validation_failed',
      `input does not fit the definition "${name}"`,
      describeIssues(parsed.error).map((issue) => ({ ...issue, path: issue.path === '(root)' ? 'input' : `input.${issue.path}` })),
    );
  }
  return loaded.definition;
}

/** The definition's default limits and tags under what the spec gives: the spec's own values win. */
function withDefinitionDefaults(spec: RunSpec, definition: RunDefinition): RunSpec {
  const defaults = definition.defaults;
  if (!defaults) return spec;
  const limits = defaults.limits || spec.limits ? { ...defaults.limits, ...spec.limits } : undefined;
  const tags = spec.tags.length > 0 ? spec.tags : (defaults.tags ?? []);
  return { ...spec, tags, ...(limits ? { limits } : {}) };
}

function assertSameSpec(run: RunProjection, hash: string): RunProjection {
  if (run.specHash !== hash) {
    throw new AppError('conflict', 'this idempotencyKey was already used with a different run spec', { runId: run.id });
  }
  return run;
}

/** A replay or a fork reuses results of a run of its own tenant only: another tenant's run is as unknown as a missing one. */
async function assertOriginOfTenant(deps: Pick<RunServiceDeps, 'db'>, principal: Principal, originId: string): Promise<void> {
  if (!(await findRun(deps.db, principal.tenantId, originId))) {
    throw new AppError('not_found', `run ${originId} (the spec's origin) not found`, [{ path: 'origin.runId', message: 'not a run of this tenant' }]);
  }
}
