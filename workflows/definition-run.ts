import { ApplicationFailure, CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import type { StringValue } from '@temporalio/common';
import { customEventDataSchema } from '../lib/event-schemas';
import { customEventNameSchema, type Actor } from '../lib/events';
import { FailureType } from '../lib/failure-types';
import {
  agentRequestSchema,
  approvalRequestSchema,
  durationSchema,
  toolCallOptionsSchema,
  type AgentRequest,
  type ApprovalRequest,
  type RunSpec,
  type ToolCallOptions,
} from '../lib/run-spec';
import { approvalPolicyOf, type ResolveToolCallResult } from '../lib/workflow-contract';
import { ChildRunFailed, ChildRunInputError } from '../sdk/child-run';
import type { AgentAnswer, ApprovalDecision, ChildRunOptions, ReceivedMessage, RunContext as DefinitionContext } from '../sdk/define-run';
import { answerOf, defaultMaxTurns, firstTranscript, newSession, type Inbox } from './agent-loop';
import { childRunCall, runChild } from './child-run';
import { definitionNamed } from './definition-registry';
import { runToolStep, stopUnlessDecided } from './plan-run';
import { bookkeepingActivities, type RunContext } from './run-context';
import { RunStopped } from './run-stopped';

const { resolveToolCall, resolveAgentTools } = bookkeepingActivities;

const defaultMapConcurrency = 10;

/**
 * Definition mode: the run is a `defineRun` file's `run(ctx, input)`. Every effect goes through
 * `ctx`, so the log holds what a plan's would: `step.started`, tool calls, approvals, connection waits.
 */
export async function runDefinition(context: RunContext, inbox: Inbox): Promise<unknown> {
  const { spec } = context.input;
  const name = spec.definition ?? '';
  const definition = definitionNamed(name);
  // Not a run failure: this worker's bundle lacks a definition the API knows (a deploy in progress).
  // The workflow task fails and is retried until a worker that has it picks the run up.
  if (!definition) throw new Error(`this worker's bundle has no definition "${name}": deploy the worker with it`);

  const input = definition.input.safeParse(spec.input);
  if (!input.success) {
    throw new RunStopped({
      message: `input does not fit the definition "${name}": ${input.error.message}`,
      errorClass: FailureType.InvalidInput,
      retryable: false,
    });
  }
  const ctx = new DefinitionRunContext(context, inbox);
  let output: unknown;
  try {
    output = await definition.run(ctx, input.data);
  } catch (error) {
    if (error instanceof RunStopped || isCancellation(error)) throw error;
    if (error instanceof ChildRunFailed || error instanceof ChildRunInputError) throw uncaughtChildError(name, error);
    const message = error instanceof Error ? error.message : String(error);
    const errorClass = error instanceof ApplicationFailure && error.type ? error.type : FailureType.DefinitionFailed;
    throw new RunStopped({ message: `definition "${name}" threw: ${message}`, errorClass, retryable: false });
  }
  if (!definition.output) return output;
  const checked = definition.output.safeParse(output);
  if (!checked.success) {
    throw new RunStopped({
      message: `definition "${name}" returned what its output schema refuses: ${checked.error.message}`,
      errorClass: FailureType.OutputInvalid,
      retryable: false,
    });
  }
  return checked.data;
}

class DefinitionRunContext implements DefinitionContext {
  readonly runId: string;
  readonly signal: AbortSignal;
  /** Children per definition so far, for the default step names `run:<definition>#<n>`. */
  private readonly childrenPerDefinition = new Map<string, number>();
  /** Calls per tool so far, for the default step names `<tool>#<n>`. */
  private readonly callsPerTool = new Map<string, number>();
  private readonly steps = new Set<string>();
  private emitted = 0;
  private approvalsAsked = 0;
  private agentsAsked = 0;
  private messagesTaken = 0;
  /** Waits for messages take them one at a time, in call order. */
  private messageTurn: Promise<unknown> = Promise.resolve();
  /** Resolved policies by tool and options: each distinct one costs one local activity per run. */
  private readonly policies = new Map<string, Promise<ResolveToolCallResult>>();

  constructor(
    private readonly context: RunContext,
    private readonly inbox: Inbox,
  ) {
    this.runId = context.input.runId;
    const controller = new AbortController();
    CancellationScope.current().cancelRequested.catch(() => controller.abort());
    this.signal = controller.signal;
  }

  async tool<Output = unknown>(name: string, args: Record<string, unknown> = {}, options: ToolCallOptions = {}): Promise<Output> {
    const parsed = toolCallOptionsSchema.safeParse(options);
    if (!parsed.success) throw stopped(`ctx.tool("${name}"): bad options: ${parsed.error.message}`);
    const { step, ...callOptions } = parsed.data;
    const stepId = step ?? this.nextStepName(name);
    if (this.steps.has(stepId)) throw stopped(`ctx.tool("${name}"): step "${stepId}" is already used in this run (give each call its own step)`);
    this.steps.add(stepId);
    const resolved = await this.policyFor(name, callOptions);
    if ('problem' in resolved) throw stopped(resolved.problem, stepId);
    return (await runToolStep(this.context, { stepId, tool: name, policy: resolved.policy }, () => args)) as Output;
  }

  /**
   * A gate of its own, decided like a tool's (GET /v1/approvals, POST …/approvals/:id) under the
   * same rules: approver roles, quorum, deadline, self-approval, args bound to what was shown.
   */
  async approval(request: ApprovalRequest): Promise<ApprovalDecision> {
    const parsed = approvalRequestSchema.safeParse(request);
    if (!parsed.success) throw stopped(`ctx.approval: bad request: ${parsed.error.message}`);
    const { title, data, step, ...options } = parsed.data;
    const stepId = step ?? `approval#${(this.approvalsAsked += 1)}`;
    if (this.steps.has(stepId)) throw stopped(`ctx.approval: step "${stepId}" is already used in this run (give each gate its own step)`);
    this.steps.add(stepId);
    const outcome = await this.context.approvals.request(stepId, null, data, approvalPolicyOf(options), title);
    stopUnlessDecided(outcome, stepId);
    if (outcome.kind === 'rejected')
      return { approved: false, by: outcome.by, comment: outcome.comment, data, edited: false, expired: outcome.reason === 'expired' };
    return { approved: true, by: outcome.by, comment: outcome.comment, data: outcome.args, edited: outcome.edited, expired: outcome.expired };
  }

  /**
   * An agent loop inside the run, to its answer: its tools resolved as agent mode's (a local
   * activity), its turns and tool calls recorded as an agent run's, named `<step>.turn-<n>…`.
   */
  async agent(request: AgentRequest): Promise<AgentAnswer> {
    const parsed = agentRequestSchema.safeParse(request);
    if (!parsed.success) throw stopped(`ctx.agent: bad request: ${parsed.error.message}`);
    const { step, input, model, instructions, maxTurns, ...tools } = parsed.data;
    const name = step ?? `agent#${(this.agentsAsked += 1)}`;
    if (this.steps.has(name)) throw stopped(`ctx.agent: step "${name}" is already used in this run (give each call its own step)`);
    this.steps.add(name);
    const resolved = await this.context.afterLead(() =>
      resolveAgentTools({ tenantId: this.context.input.tenantId, agent: tools, spec: toolSpecOf(this.context) }),
    );
    if ('problem' in resolved) throw stopped(`ctx.agent (${name}): ${resolved.problem}`, name);
    const session = newSession({ name, model, maxTurns: maxTurns ?? defaultMaxTurns, tools: tools.tools, ...resolved });
    const text = await answerOf(this.context, session, firstTranscript(instructions, input));
    return { text: text ?? '', turns: session.turns, usage: session.usage };
  }

  waitForMessage(options: { timeout?: StringValue | number } = {}): Promise<ReceivedMessage | null> {
    const { timeout } = options;
    const badTimeout =
      timeout === undefined
        ? null
        : typeof timeout === 'number'
          ? Number.isFinite(timeout) && timeout > 0
            ? null
            : 'a positive number of ms'
          : durationSchema.safeParse(timeout).success
            ? null
            : 'a duration like "30s"';
    if (badTimeout) return Promise.reject(stopped(`ctx.waitForMessage: timeout ${JSON.stringify(timeout)} is not ${badTimeout}`));
    const turn = this.messageTurn.then(() => this.takeMessage(timeout));
    this.messageTurn = turn.catch(() => undefined);
    return turn;
  }

  /** The next message of the inbox (sent before the wait began, or during it), recorded as `message.received`; null at the timeout. */
  private async takeMessage(timeout: StringValue | number | undefined): Promise<ReceivedMessage | null> {
    const arrived = () => this.inbox.pending.length > 0;
    // A wait that may be long stores the run's start first (a message already there records it with itself).
    if (!arrived() && this.context.hasLead) await this.context.record([]);
    if (timeout === undefined) await condition(arrived);
    else if (!(await condition(arrived, timeout))) return null;
    const message = this.inbox.pending.shift()!;
    const index = (this.messagesTaken += 1);
    await this.context.record([{ type: 'message.received', key: `message/${index}`, data: { index, text: message.text }, actor: message.actor }]);
    return { text: message.text, actor: message.actor as Actor | null };
  }

  async emit(name: string, data: Record<string, unknown> = {}): Promise<void> {
    const checkedName = customEventNameSchema.safeParse(name);
    if (!checkedName.success) throw stopped(`ctx.emit(${JSON.stringify(name)}): ${checkedName.error.issues[0]?.message}`);
    const checkedData = customEventDataSchema.safeParse(data);
    if (!checkedData.success) throw stopped(`ctx.emit("${name}"): ${checkedData.error.issues.map((issue) => issue.message).join('; ')}`);
    this.emitted += 1;
    await this.context.record([{ type: `custom.${checkedName.data}`, key: `custom/${this.emitted}`, data: checkedData.data }]);
  }

  /** A child run (workflows/child-run.ts); the overloads in sdk/define-run.ts type what it resolves to. */
  run(definition: { name: string } | string, input: unknown, options: ChildRunOptions = {}): Promise<never> {
    const name = typeof definition === 'string' ? definition : definition.name;
    const count = (this.childrenPerDefinition.get(name) ?? 0) + 1;
    this.childrenPerDefinition.set(name, count);
    const call = childRunCall(name, input, options, count);
    if ('problem' in call) return Promise.reject(stopped(call.problem));
    if (this.steps.has(call.step))
      return Promise.reject(stopped(`ctx.run("${name}"): step "${call.step}" is already used in this run (give each call its own step)`));
    this.steps.add(call.step);
    return this.context.afterLead(() => runChild(this.context, call)) as Promise<never>;
  }

  sleep(duration: StringValue | number): Promise<void> {
    return this.context.afterLead(() => sleep(duration));
  }

  async map<Item, Result>(
    items: readonly Item[],
    fn: (item: Item, index: number) => Promise<Result>,
    options: { concurrency?: number } = {},
  ): Promise<Result[]> {
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultMapConcurrency));
    const results = new Array<Result>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index] as Item, index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return results;
  }

  private nextStepName(tool: string): string {
    const count = (this.callsPerTool.get(tool) ?? 0) + 1;
    this.callsPerTool.set(tool, count);
    return `${tool}#${count}`;
  }

  private policyFor(tool: string, options: Omit<ToolCallOptions, 'step'>): Promise<ResolveToolCallResult> {
    const key = JSON.stringify([tool, options]);
    let resolved = this.policies.get(key);
    if (!resolved) {
      resolved = resolveToolCall({ tenantId: this.context.input.tenantId, tool, options, spec: toolSpecOf(this.context) });
      this.policies.set(key, resolved);
    }
    return resolved;
  }
}

/** What of the run's spec resolving a tool needs: whose Composio accounts, and the limits. */
function toolSpecOf(context: RunContext): Pick<RunSpec, 'userId' | 'limits'> {
  const { userId, limits } = context.input.spec;
  return { ...(userId ? { userId } : {}), ...(limits ? { limits } : {}) };
}

/** A child's error the definition did not catch: the parent fails with the child's cause. */
function uncaughtChildError(name: string, error: ChildRunFailed | ChildRunInputError): RunStopped {
  const message = `definition "${name}" threw: ${error.message}`;
  if (error instanceof ChildRunInputError) return new RunStopped({ message, errorClass: FailureType.InvalidInput, retryable: false });
  return new RunStopped({ message, errorClass: FailureType.ChildRunFailed, retryable: false, step: error.step });
}

const stopped = (message: string, step?: string) =>
  new RunStopped({ message, errorClass: FailureType.InvalidInput, retryable: false, ...(step ? { step } : {}) });
