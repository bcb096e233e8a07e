/**
 * What the API hands the `agentRun` workflow and what the workflow hands its activities.
 * Types only (plus pure helpers): workflow code imports this file, so it must stay deterministic.
 */
import type { StringValue } from '@temporalio/common';
import type { Actor, EventType, NewEvent } from './events';
import type { EventDataInput, SignalSignature } from './event-schemas';
import type { RunCreatedData } from './run-projection';
import type { AgentRequest, ApprovalOptions, Role, RunSpec, ToolCallOptions } from './run-spec';
import { FailureType } from './failure-types';

export const workflowType = 'agentRun';

/** Retry and timeout settings the workflow schedules a tool call with (tool defaults + step overrides). */
/** A step's approval gate, resolved from the step (or the tool's default) by the API. */
export interface ApprovalPolicy {
  /** Roles that may decide (a higher role may too): `approver` unless the step names others. */
  approvers: Role[];
  /** Distinct approvers needed to approve (quorum). */
  required: number;
  timeout: StringValue;
  onTimeout: 'reject' | 'approve' | 'fail';
  /** Whether the run's creator may approve (absent: no). */
  allowSelfApproval?: boolean;
}

/** A gate no installation gate tightens: the options, the defaults filling the rest (approver, 1, 24h, reject). */
export const approvalPolicyOf = (options: ApprovalOptions): ApprovalPolicy => ({
  approvers: options.approvers ?? ['approver'],
  required: options.required ?? 1,
  timeout: options.timeout ?? '24h',
  onTimeout: options.onTimeout ?? 'reject',
  ...(options.allowSelfApproval ? { allowSelfApproval: true } : {}),
});

export interface ToolCallPolicy {
  approval?: ApprovalPolicy;
  /** How long the call waits in `awaiting_connection` for a missing Composio account (workflow default: 24h). */
  connectionTimeout?: StringValue;
  /** A short built-in tool (no I/O, well under a second): the workflow runs it as a local activity. */
  local?: boolean;
  startToCloseTimeout: StringValue;
  heartbeatTimeout?: StringValue;
  retry: {
    maximumAttempts: number;
    initialInterval: StringValue;
    backoffCoefficient: number;
    maximumInterval: StringValue;
    nonRetryableErrorTypes: string[];
  };
}

export interface AgentRunInput {
  tenantId: string;
  runId: string;
  spec: RunSpec;
  /** The `run.created` fact; the API writes it too, under the same dedupe key, so whoever comes first wins. */
  created: RunCreatedData;
  createdBy: Actor | null;
  /** A scheduled run: who created the schedule. Counts as the run's creator for self-approval. */
  onBehalfOf?: Actor | null;
  /** Extra secret key names of the log's redaction (FLIGHTDECK_REDACT_KEYS): an approval gate refuses args it would hide. */
  redactKeys?: string[];
  /** Resolved per step id (plan) or per tool name (agent) before the workflow starts. */
  policies: Record<string, ToolCallPolicy>;
  /** Agent runs: the tools offered to the model, as chat-completions function tools. */
  modelTools?: ModelTool[];
  /** Continue-as-new once history passes this many events (default: when Temporal suggests it). */
  historyEventsLimit?: number;
  /** Set when a long agent run continued as new: what it carries over. */
  carried?: AgentCarryOver;
  /** A fork: the steps whose results it reuses from its origin (their gates are not asked again). */
  reusedSteps?: string[];
}

export interface AgentRunResult {
  status: 'completed' | 'cancelled';
  output: unknown;
}

/** A definition's `ctx.tool` call, to resolve its policy (the `resolveToolCall` local activity). */
export interface ResolveToolCallInput {
  /** The run's tenant: its own tools (MCP servers) resolve for it alone. */
  tenantId: string;
  tool: string;
  options: ToolCallOptions;
  spec: Pick<RunSpec, 'userId' | 'limits'>;
}

export type ResolveToolCallResult = { policy: ToolCallPolicy } | { problem: string };

/** A definition's `ctx.agent` call, to resolve its tools (the `resolveAgentTools` local activity). */
export interface ResolveAgentToolsInput {
  tenantId: string;
  agent: Pick<AgentRequest, 'tools' | 'approvalRequired' | 'approval'> & { tools: string[] };
  spec: Pick<RunSpec, 'userId' | 'limits'>;
}

/** Per tool name, as agent mode's `policies`; the tools as the model is offered them, as its `modelTools`. */
export type ResolveAgentToolsResult = { policies: Record<string, ToolCallPolicy>; modelTools: ModelTool[] } | { problem: string };

/**
 * A definition's `ctx.run` call, to build its child run's workflow input as a start through the API
 * would (the `prepareChildRun` local activity): the spec checked, the definition's defaults applied.
 */
export interface PrepareChildRunInput {
  tenantId: string;
  childRunId: string;
  parent: { runId: string; step: string };
  spec: RunSpec;
  /** The parent's: the child's gates hold its creator to the same self-approval rule. */
  createdBy: Actor | null;
  onBehalfOf?: Actor | null;
}

/** The child's workflow input, or why the spec cannot run (what a start through the API would answer 4xx). */
export type PrepareChildRunResult = { input: AgentRunInput } | { problem: string };

/** Chat-completions messages, as the OpenAI-compatible API defines them. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ModelToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ModelToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ModelTool {
  type: 'function';
  function: { name: string; description: string; parameters: unknown };
}

/** Function names allow [a-zA-Z0-9_-] only: `builtin.echo` is offered to the model as `builtin__echo`. */
export const modelToolName = (tool: string): string => tool.replace(/\./g, '__');

export interface CallModelInput {
  tenantId: string;
  runId: string;
  /** The turn this call answers and its `ctx.agent` call, so its streamed text is keyed as its model.called will be; absent in histories from before. */
  turn?: number;
  agent?: string;
  model: string;
  messages: ChatMessage[];
  tools: ModelTool[];
  /** The most the model may write in this call (the run's or tenant's budget left, lib/model-budget.ts); absent: the provider's default. */
  maxOutputTokens?: number;
}

/** Tokens one model call (or a run's calls together) took, as the provider counted them. */
export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens the provider read from its prompt cache; part of `inputTokens`. */
  cachedInputTokens: number;
  totalTokens: number;
}

export interface CallModelResult {
  message: { content: string | null; toolCalls: ModelToolCall[] };
  finishReason: string | null;
  usage: ModelUsage;
  /** What the call cost in USD at the worker's prices (lib/model-prices.ts); null: the model has no price; absent in older histories' results. */
  costUsd?: number | null;
}

/** What an agent run carries across continue-as-new, so the transcript and counters survive. */
export interface AgentCarryOver {
  generation: number;
  /** The first generation's start, so `limits.deadline` counts from the run's real start. */
  firstStartedAtMs: number;
  transcript: ChatMessage[];
  turns: number;
  toolCalls: number;
  messagesReceived: number;
  pendingMessages: Array<{ text: string; actor: Actor | null }>;
  lastAnswer: string | null;
  /** The signatures the run applied in the last day (workflows/signal-verifier.ts); absent in runs carried over before the replay check. */
  seenSignals?: SeenSignal[];
}

/**
 * Where a call of a replay or a fork takes its result from (`spec.origin`): the earlier run, the
 * calls of it that count (a fork: only those that succeeded before `beforeSeq`), and whether a call
 * it never made fails the run (`strict`, a replay) or runs live (a fork).
 */
export interface ResultSource {
  runId: string;
  beforeSeq?: number;
  strict: boolean;
}

export interface ExecuteToolInput {
  tenantId: string;
  runId: string;
  stepId: string;
  tool: string;
  args: Record<string, unknown>;
  /** The run spec's `userId`: whose connected accounts a Composio tool acts with. */
  userId?: string;
  connectedAccountId?: string;
  /** Run id + step id: the same for every attempt and replay of this call (`toolCallIdempotencyKey`). */
  idempotencyKey?: string;
  /**
   * Workflow facts that land with this call's `tool.call.started`, in the same transaction
   * (`step.started`): one append instead of a recordEvent local activity and a second append.
   */
  recordWith?: WorkflowFact[];
  /** How many times this call already waited for a limit's slot (LimitWait): concurrency waits back off with it. */
  limitWaits?: number;
  /** A replay's or a fork's call (`spec.origin`): the earlier run whose recorded result of the same call it returns. */
  reuse?: ResultSource;
}

/**
 * One key per tool call. Step ids are unique within a run (plan step ids; agent calls use
 * `turn-<n>.<callId>`, a definition's `ctx.agent` calls `<step>.turn-<n>.<callId>`), and the
 * workflow computes the key from them deterministically.
 */
export const toolCallIdempotencyKey = (runId: string, stepId: string): string => `${runId}/${stepId}`;

/** The call's key; calls scheduled before keys existed (replayed histories) get the same derivation. */
export const idempotencyKeyOf = (call: ExecuteToolInput): string => call.idempotencyKey ?? toolCallIdempotencyKey(call.runId, call.stepId);

/** A workflow-level fact for the `recordEvent` activity; `key` is unique within the run. */
/** A fact the workflow records (through the recording activity or folded into a tool call), its data of its type's schema. */
export type WorkflowFact = {
  [T in EventType]: { type: T; key: string; data: EventDataInput<T>; actor?: Actor | null };
}[EventType];

export interface RecordEventInput {
  tenantId: string;
  runId: string;
  facts: WorkflowFact[];
  /** Facts of another run of the tenant, stored first: a child run's `run.created`, before the parent's `child.started`. */
  before?: { runId: string; facts: WorkflowFact[] };
}

/** The signals the API sends a run, each signed (lib/signal-signature.ts) and verified by the worker before it is applied. */
export type SignalName = 'approval' | 'cancel' | 'connection' | 'message';

/** Why `verifySignal` refused a signal; the workflow records it and does not apply the signal. */
export type SignalRejection =
  /** The worker has keys but the signal carries no signature (sent by something other than an API of this installation). */
  | 'missing_signature'
  /** Signed by a key id FLIGHTDECK_SIGNAL_KEYS does not list (a retired or foreign key). */
  | 'unknown_signing_key'
  /** The MAC does not match the signal (forged, or altered after signing, or sent to another run). */
  | 'bad_signature'
  /** The check itself did not complete (the local activity kept failing): refused rather than trusted. */
  | 'unverified'
  /** This run already applied a signal with this signature: the same signal sent again (captured and replayed). */
  | 'replayed'
  /** Issued a day or more before the newest signal the run applied: too old to tell from a replay. */
  | 'stale';

/** A signature a run applied: its MAC and when it was issued (ms), remembered to refuse it a second time. */
export type SeenSignal = [mac: string, issuedMs: number];

/** The `verifySignal` local activity's input: the signal as the workflow received it, and where it arrived. */
export interface VerifySignalInput {
  workflowId: string;
  signal: SignalName;
  payload: unknown;
}

export type VerifySignalResult = { ok: true } | { ok: false; reason: SignalRejection };

/** The `approval` signal (approvalSignalSchema): a decision, checked by the workflow (shape, tenant, role, pending id) before it counts. */
export type { ApprovalSignalPayload } from './event-schemas';

/**
 * The `connection` signal: the API saw ACTIVE connected accounts for the run's user. A run waiting
 * for one of these toolkits records `connection.resolved` and calls the tool again.
 */
export interface ConnectionSignalPayload {
  /** The run spec's `userId` as given (not the tenant-scoped Composio user id). */
  userId: string;
  accounts: Array<{ toolkit: string; connectedAccountId: string }>;
  actor?: Actor | null;
  signature?: SignalSignature;
}

/** Tool failures the workflow handles itself instead of failing the call (see RunContext.callTool). */
export const connectionRequiredErrorType = FailureType.ConnectionRequired;
export const limitWaitErrorType = FailureType.LimitWait;

/** `details[0]` of a ConnectionRequired failure. */
export interface ConnectionRequiredDetails {
  toolkit: string;
  userId: string;
  connectedAccountId: string | null;
}

/** `details[0]` of a LimitWait failure: when to call again, and why. */
export interface LimitWaitDetails {
  waitMs: number;
  reason: 'held' | 'concurrency' | 'rate';
  key: string;
}

/** Dedupe keys: derived from durable identity only, never from time or randomness. */
/** The facts of one tool-call attempt: its start, its progress notifications (`progress/<n>`), its outcome. */
export type ToolCallPhase = 'started' | 'succeeded' | 'failed' | `progress/${number}`;

export const dedupeKeys = {
  runFact: (runId: string, key: string): string => `${runId}/${key}`,
  toolCall: (execution: { workflowId: string; runId: string }, activityId: string, attempt: number, phase: ToolCallPhase): string =>
    `${execution.workflowId}/${execution.runId}/activity/${activityId}/${attempt}/${phase}`,
};

/** Workflow facts as the log stores them: each keyed by run id + the fact's own key. */
/** A run's `run.created` as its workflow records it (the API and a parent's `ctx.run` record the same fact under the same key). */
export const runCreatedFact = (input: Pick<AgentRunInput, 'created' | 'createdBy'>): WorkflowFact => ({
  type: 'run.created',
  key: 'run.created',
  data: { ...input.created },
  actor: input.createdBy,
});

export const workflowFactEvents = (runId: string, facts: WorkflowFact[]): NewEvent[] =>
  facts.map((fact) => ({ type: fact.type, dedupeKey: dedupeKeys.runFact(runId, fact.key), data: fact.data, actor: fact.actor ?? null }) as NewEvent);
