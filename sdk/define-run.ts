/**
 * `defineRun`: a run written in TypeScript. The file that default-exports one is workflow code: it
 * is bundled with the workflows and must be deterministic (no I/O, no clocks, no randomness; every
 * effect goes through `ctx`). The API loads the same file to validate a start's input.
 */
import type { StringValue } from '@temporalio/common';
import { z } from 'zod';
import type { Actor } from '../lib/events';
import { definitionNameSchema, limitsSchema, tagSchema, type AgentRequest, type ApprovalRequest, type toolCallOptionsSchema } from '../lib/run-spec';
import type { CallModelResult } from '../lib/workflow-contract';

/** Options of one `ctx.tool` call: a plan step's (approval, retry, timeout, connectionTimeout), plus its name in the log. */
export type ToolCallOptions = z.input<typeof toolCallOptionsSchema>;

export type { AgentRequest, ApprovalRequest } from '../lib/run-spec';

/** What `ctx.approval` resolves to once the gate is decided (a rejection too: the definition decides what follows). */
export interface ApprovalDecision {
  approved: boolean;
  /** Who decided: the approvers of the quorum, or the one who rejected; empty when the deadline decided. */
  by: Actor[];
  /** The last decider's comment. */
  comment: string | null;
  /** What was approved: the data as asked, or as an approver edited it. */
  data: Record<string, unknown>;
  edited: boolean;
  /** The deadline decided (`onTimeout: "approve"` or `"reject"`). */
  expired: boolean;
}

/** A chat message sent to the run (`POST /v1/runs/:id/messages`), as `ctx.waitForMessage` hands it over. */
export interface ReceivedMessage {
  text: string;
  /** Who sent it (the API key's identity). */
  actor: Actor | null;
}

/** What `ctx.agent` resolves to once the model answers without tool calls. */
export interface AgentAnswer {
  /** The model's final answer; empty when its last message had no text. */
  text: string;
  /** Model turns the call took. */
  turns: number;
  /** Tokens over all its turns, as the provider counted them. */
  usage: CallModelResult['usage'];
}

/** Options of one `ctx.run` call. */
export interface ChildRunOptions {
  /** The call's name in the parent's log (default `run:<definition>#<n>`); the child's id derives from it. */
  step?: string;
}

/** What a child run of `Definition` resolves to: its output schema's output, or unknown without one. */
export type ChildRunOutput<Definition extends { output?: z.ZodType }> = [Definition['output']] extends [undefined]
  ? unknown
  : z.output<NonNullable<Definition['output']>>;

/** What a definition's `run` gets: every effect it has goes through here, and every call is in the run's log. */
export interface RunContext {
  /** The run's id, as the API, the log and Temporal know it. */
  readonly runId: string;
  /** Aborted when the run is cancelled (or passes its deadline). */
  readonly signal: AbortSignal;
  /** Calls a tool as a plan step would: its retry policy, connection gate and approval gate; resolves to its output. */
  tool<Output = unknown>(name: string, args?: Record<string, unknown>, options?: ToolCallOptions): Promise<Output>;
  /**
   * Waits for a human decision on a gate with no tool, shown and decided with the tool gates
   * (`GET /v1/approvals`, the dashboard). Approvers (default `approver`), `required` (quorum, default
   * 1), `timeout` (default 24h) and `onTimeout` (default `reject`; `fail` fails the run) as a tool
   * gate's; the run's creator may not approve unless `allowSelfApproval`. Data the log would redact
   * fails the run (no approver could see it).
   */
  approval(request: ApprovalRequest): Promise<ApprovalDecision>;
  /**
   * The next chat message sent to the run (`POST /v1/runs/:id/messages`; those sent before the call
   * wait for it), recorded as `message.received`; null when none came within `timeout` (a duration
   * or milliseconds; absent: wait until one comes or the run is cancelled). Concurrent calls take
   * messages one at a time, in call order.
   */
  waitForMessage(options?: { timeout?: StringValue | number }): Promise<ReceivedMessage | null>;
  /**
   * Records `custom.<name>` in the run's log (and on its stream) with `data`, a JSON object of at
   * most 64 KiB, redacted like every fact. `name`: a lower-case letter, then up to 63 of `a-z0-9_.-`.
   */
  emit(name: string, data?: Record<string, unknown>): Promise<void>;
  /**
   * Runs an agent loop (model turn → tool calls → model, as an agent run's) to its final answer:
   * `model`, `instructions`, `tools` (the only ones it may call), `maxTurns` (default 10; reached
   * without an answer fails the run), `approvalRequired`/`approval` as an agent spec's, `input` as
   * the first user message. Its turns and tool calls are recorded under `step` (default
   * `agent#<n>`): `<step>.turn-<t>.<toolCallId>`. An unknown tool fails the run. Not
   * conversational: chat messages stay for `waitForMessage`.
   */
  agent(request: AgentRequest): Promise<AgentAnswer>;
  /**
   * Runs another definition as a child run: its own run id (`<runId>.<step>`), log and approvals,
   * same tenant and creator, cancelled with this run; resolves to its output. Bad input throws
   * `ChildRunInputError` before anything starts; a child that does not complete throws `ChildRunFailed`.
   */
  run<Definition extends { readonly kind: typeof definitionMarker; readonly name: string; readonly input: z.ZodType; readonly output?: z.ZodType }>(
    definition: Definition,
    input: z.input<Definition['input']>,
    options?: ChildRunOptions,
  ): Promise<ChildRunOutput<Definition>>;
  run<Output = unknown>(definition: string, input: unknown, options?: ChildRunOptions): Promise<Output>;
  /** A durable timer: `"30s"`, `"5m"`, or milliseconds. */
  sleep(duration: StringValue | number): Promise<void>;
  /** `fn` over every item, at most `concurrency` at a time (default 10); results in the items' order. */
  map<Item, Result>(items: readonly Item[], fn: (item: Item, index: number) => Promise<Result>, options?: { concurrency?: number }): Promise<Result[]>;
}

export const definitionDefaultsSchema = z.object({ limits: limitsSchema.optional(), tags: z.array(tagSchema).max(20).optional() }).strict();

/** A definition as `defineRun` is given it. */
export interface RunDefinitionConfig<Input extends z.ZodType, Output extends z.ZodType | undefined = undefined> {
  name: string;
  description?: string;
  input: Input;
  output?: Output;
  defaults?: z.input<typeof definitionDefaultsSchema>;
  run: (ctx: RunContext, input: z.output<Input>) => Promise<Output extends z.ZodType ? z.input<Output> : unknown>;
}

export const definitionMarker = 'flightdeck.run-definition';

/** What `defineRun` returns: the config, checked and frozen, with the marker loaders look for. */
export type RunDefinition<Input extends z.ZodType = z.ZodType, Output extends z.ZodType | undefined = z.ZodType | undefined> = Readonly<
  RunDefinitionConfig<Input, Output> & { kind: typeof definitionMarker }
>;

/** The shape a definition file's default export must have; checked by `defineRun` and again by the loaders. */
export const runDefinitionShape = z.object({
  kind: z.literal(definitionMarker, { error: 'the default export is not a defineRun(...) definition' }),
  name: definitionNameSchema,
  description: z.string().max(2000).optional(),
  input: z.custom<z.ZodType>((value) => value instanceof z.ZodType, { error: 'input must be a zod schema' }),
  output: z.custom<z.ZodType>((value) => value instanceof z.ZodType, { error: 'output must be a zod schema' }).optional(),
  defaults: definitionDefaultsSchema.optional(),
  run: z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function', { error: 'run must be a function' }),
});

/** The problems of a would-be definition, as one line, or null when it is one. */
export function definitionProblem(value: unknown): string | null {
  const parsed = runDefinitionShape.safeParse(value);
  if (parsed.success) return null;
  return parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/** A module's default export, as ESM or as CommonJS interop gives it. */
export function definitionExport(module: unknown): unknown {
  if (typeof module !== 'object' || module === null) return module;
  const record = module as { kind?: unknown; default?: unknown };
  if (record.kind !== undefined) return module;
  const inner = record.default as { kind?: unknown; default?: unknown } | undefined;
  if (inner && typeof inner === 'object' && inner.kind === undefined && inner.default !== undefined) return inner.default;
  return inner;
}

/** Declares a run written in TypeScript; the file default-exports what this returns. */
export function defineRun<Input extends z.ZodType, Output extends z.ZodType | undefined = undefined>(
  config: RunDefinitionConfig<Input, Output>,
): RunDefinition<Input, Output> {
  const definition = Object.freeze({ ...config, kind: definitionMarker });
  const problem = definitionProblem(definition);
  if (problem) throw new TypeError(`defineRun(${JSON.stringify(config.name)}): ${problem}`);
  return definition;
}
