import type { Knex } from 'knex';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { describeIssues } from '../lib/errors';
import { appendEvents } from '../lib/event-log';
import {
  idempotencyKeyOf,
  workflowFactEvents,
  type CallModelInput,
  type CallModelResult,
  type ExecuteToolInput,
  type RecordEventInput,
  type ResolveAgentToolsInput,
  type ResolveAgentToolsResult,
  type ResolveToolCallInput,
  type ResolveToolCallResult,
  type VerifySignalInput,
  type VerifySignalResult,
} from '../lib/workflow-contract';
import { verifySignalSignature, type SignalKey } from '../lib/signal-signature';
import type { InstallationApprovalPolicy } from '../lib/approval-policy';
import { resolveAgentCallPolicies, resolveToolCallPolicy } from '../domains/runs/resolve-policies';
import { callModel } from './call-model';
import type { ModelProvidersConfig } from './model-providers';
import type { Tracer } from '@opentelemetry/api';
import { costOf, defaultModelPrices, type ModelPrices } from '../lib/model-prices';
import { withinModelBudgets } from './model-budgets';
import { traceModelCall } from './model-span';
import { purgeExpiredRunsActivity } from './purge-expired-runs';
import { prepareChildRunActivity } from './prepare-child-run';
import { startScheduledRunActivity, type RunStarterDeps } from './start-scheduled-run';
import type { ToolRegistry } from '../tools/registry';
import { FailureType } from '../lib/failure-types';
import { createLogger } from '../lib/logger';
import { toolProgressRecorder } from './record-tool-progress';
import { forgetRecordedAnswers, type AnswerStreams } from './answer-stream';

export interface ActivityDeps {
  db: Knex;
  tools: ToolRegistry;
  model?: ModelProvidersConfig;
  /** FLIGHTDECK_APPROVAL_POLICY, for the calls of definition runs (resolveToolCall); default: the built-in policy. */
  approvalPolicy?: InstallationApprovalPolicy;
  /** Lets schedule ticks start runs (the worker's Temporal client and the runs' task queue). */
  runStarter?: RunStarterDeps;
  /** FLIGHTDECK_SIGNAL_KEYS, which verify the signals runs receive; empty or unset: every signal passes (development). */
  signalKeys?: readonly SignalKey[];
  /** Where callModel sends the answer's text as it streams (activities/answer-stream.ts); unset: nothing streams. */
  answers?: AnswerStreams;
  /** FLIGHTDECK_MODEL_PRICES merged over the list prices (lib/model-prices.ts); default: the list prices. */
  modelPrices?: ModelPrices;
  /** The worker's tracer when tracing is on: each model call is a `chat <model>` span (activities/model-span.ts). */
  tracer?: Tracer;
}

const activityLog = createLogger('activities');

/** Activities get their dependencies from here, so tests build them over the real db and registry. */
export function createActivities({
  db,
  tools,
  model = {},
  runStarter,
  approvalPolicy,
  signalKeys = [],
  answers,
  modelPrices = defaultModelPrices,
  tracer,
}: ActivityDeps) {
  return {
    startScheduledRun: startScheduledRunActivity({ db, tools, runStarter }),

    /** A local activity: the workflow input of a definition's `ctx.run` child, built as a start through the API builds it. */
    prepareChildRun: prepareChildRunActivity({ db, tools, runStarter }),

    /** The retention schedule's daily purge (workflows/retention-purge.ts). */
    purgeExpiredRuns: purgeExpiredRunsActivity({ db }),

    /** Runs one tool call. The event-log interceptor records its attempts around this. */
    async executeTool(call: ExecuteToolInput): Promise<unknown> {
      // The run's tenant's view: its own MCP servers' tools resolve here, another tenant's never do.
      const tool = await tools.forTenant(call.tenantId).resolve(call.tool);
      if (!tool) {
        throw ApplicationFailure.create({ type: FailureType.UnknownTool, message: `unknown tool ${call.tool}`, nonRetryable: true });
      }
      const parsed = tool.inputSchema.safeParse(call.args);
      if (!parsed.success) {
        throw ApplicationFailure.create({
          type: FailureType.ValidationError,
          message: `invalid args for ${call.tool}: ${describeIssues(parsed.error)
            .map((issue) => `${issue.path}: ${issue.message}`)
            .join('; ')}`,
          details: [describeIssues(parsed.error)],
          nonRetryable: true,
        });
      }
      const context = Context.current();
      const progress = toolProgressRecorder(db, context.info, call, activityLog);
      try {
        return await tool.execute(parsed.data, {
          signal: context.cancellationSignal,
          heartbeat: (details) => context.heartbeat(details),
          attempt: context.info.attempt,
          tenantId: call.tenantId,
          userId: call.userId,
          connectedAccountId: call.connectedAccountId,
          idempotencyKey: idempotencyKeyOf(call),
          limitWaits: call.limitWaits ?? 0,
          timeoutMs: context.info.startToCloseTimeoutMs,
          progress: (update) => progress.progress(update),
        });
      } finally {
        // The attempt's outcome (the interceptor's) comes after every progress fact of it.
        await progress.flush();
      }
    },

    /** The policy of a definition's `ctx.tool` call, as a plan step's would resolve (domains/runs/resolve-policies.ts). */
    async resolveToolCall(input: ResolveToolCallInput): Promise<ResolveToolCallResult> {
      const tool = await tools.forTenant(input.tenantId).resolve(input.tool);
      if (!tool) return { problem: `unknown tool "${input.tool}" (GET /v1/tools lists them)` };
      return resolveToolCallPolicy(input.spec, tool, input.options, approvalPolicy);
    },

    /** The tools of a definition's `ctx.agent` call: their policies as agent mode's would resolve, and their model schemas. */
    async resolveAgentTools(input: ResolveAgentToolsInput): Promise<ResolveAgentToolsResult> {
      // A Composio name loads its catalog first (resolve), so a stale one is not an unknown tool.
      const tenantTools = tools.forTenant(input.tenantId);
      await Promise.all(input.agent.tools.map((name) => tenantTools.resolve(name)));
      const resolved = resolveAgentCallPolicies(input.agent, input.spec, tenantTools, approvalPolicy);
      if ('problem' in resolved) return resolved;
      return { policies: resolved.policies, modelTools: tenantTools.modelTools(input.agent.tools) };
    },

    /**
     * One model turn of an agent run or `ctx.agent` call, streamed from the provider its model names
     * (docs/models.md): refused before any request when it would pass a budget
     * (activities/model-budgets.ts), priced after.
     */
    async callModel(input: CallModelInput): Promise<CallModelResult> {
      const context = Context.current();
      const request = await withinModelBudgets({ db, prices: modelPrices }, input);
      // Only agent turns stream to clients; a call with no turn (none today) has nowhere to show.
      const stream =
        request.turn === undefined
          ? undefined
          : answers?.open({ tenantId: request.tenantId, runId: request.runId, turn: request.turn, agent: request.agent, attempt: context.info.attempt });
      // Heartbeats while the provider thinks before its first chunk as well as with each chunk.
      const { heartbeatTimeoutMs } = context.info;
      const beating = heartbeatTimeoutMs ? setInterval(() => context.heartbeat(), Math.max(1000, heartbeatTimeoutMs / 3)) : undefined;
      try {
        return await traceModelCall(tracer, request, async () => {
          const result = await callModel(model, request, context.cancellationSignal, {
            heartbeat: heartbeatTimeoutMs ? () => context.heartbeat() : undefined,
            onTextDelta: stream ? (text) => stream.delta(text) : undefined,
          });
          return { ...result, costUsd: costOf(modelPrices, request.model, result.usage) };
        });
      } finally {
        clearInterval(beating);
        await stream?.close();
      }
    },

    /** A local activity: whether a signal a run received was signed by an API of this installation (lib/signal-signature.ts). */
    async verifySignal(input: VerifySignalInput): Promise<VerifySignalResult> {
      return verifySignalSignature(signalKeys, input);
    },

    /** Writes workflow-level facts (run.*, step.*, ...); idempotent by dedupe key, so retries are safe. */
    async recordEvent(input: RecordEventInput): Promise<number> {
      const { before } = input;
      if (before) {
        await appendEvents(db, { tenantId: input.tenantId, runId: before.runId }, workflowFactEvents(before.runId, before.facts), { writer: 'workflow' });
      }
      const stored = await appendEvents(db, { tenantId: input.tenantId, runId: input.runId }, workflowFactEvents(input.runId, input.facts), {
        writer: 'workflow',
      });
      await forgetRecordedAnswers(db, activityLog, input.tenantId, input.runId, input.facts);
      return stored.length;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
