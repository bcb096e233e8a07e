import type { StringValue } from '@temporalio/common';
import { z } from 'zod';
import { modelIdSchema } from './model-id';

const durationUnitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const durationPattern = /^(\d+)(ms|s|m|h|d)$/;

/** The longest duration a run spec or schedule may name: longer ones overflow Temporal's timers (and mean a typo). */
export const maxDurationDays = 365;
const maxDurationMs = maxDurationDays * durationUnitMs.d;

/** A duration string's milliseconds, or null when it is not one (`/^\d+(ms|s|m|h|d)$/`). */
function durationMs(text: string): number | null {
  const match = durationPattern.exec(text);
  return match ? Number(match[1]) * durationUnitMs[match[2] as keyof typeof durationUnitMs] : null;
}

/**
 * A duration as Temporal accepts it: `500ms`, `30s`, `5m`, `2h`, `1d`, at most 365 days. Typed as
 * Temporal's duration string (`StringValue`): every string the pattern admits is one, so parsed
 * values go to timers and activity options as they are.
 */
export const durationSchema = z
  .string()
  .regex(durationPattern, 'must be a duration like "500ms", "30s", "5m", "2h" or "1d"')
  .refine((text) => {
    const ms = durationMs(text);
    return ms === null || ms <= maxDurationMs;
  }, `must be at most ${maxDurationDays}d`) as unknown as z.ZodType<StringValue, StringValue>;

export const roleSchema = z.enum(['viewer', 'operator', 'approver', 'admin']);
export type Role = z.infer<typeof roleSchema>;

/**
 * `<provider>.<name>`: `builtin.echo`, `composio.GITHUB_CREATE_AN_ISSUE`; an MCP server's tool is
 * `mcp.<server>.<tool>`, where the tool's own name may hold `-` and `.` (MCP allows them).
 */
export const toolNameSchema = z
  .string()
  .max(200)
  .regex(
    /^(?:[a-z][a-z0-9_]*\.[A-Za-z0-9_]+|mcp\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_.-]+)$/,
    'must be "<provider>.<name>", e.g. "builtin.echo", or "mcp.<server>.<tool>"',
  );

export const retryOverrideSchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).optional(),
    initialInterval: durationSchema.optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
    maximumInterval: durationSchema.optional(),
  })
  .strict();

/** A gate's settings (each optional: the installation's gate, else the defaults, fill the rest). */
export const approvalOptionsSchema = z
  .object({
    approvers: z.array(roleSchema).min(1).optional(),
    timeout: durationSchema.optional(),
    onTimeout: z.enum(['reject', 'approve', 'fail']).optional(),
    required: z.number().int().min(1).max(10).optional(),
    /** Whether whoever started the run (for a scheduled run, also the schedule's creator) may approve it. Default false. */
    allowSelfApproval: z.boolean().optional(),
  })
  .strict();
export type ApprovalOptions = z.infer<typeof approvalOptionsSchema>;

export const approvalSchema = z.union([z.boolean(), approvalOptionsSchema]);

export const stepIdSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter and use letters, digits, "_" or "-" (max 64)');

/** A string that is exactly one template: `${steps.<id>.output.items}`, `${input.list}` (lib/templates.ts). */
const wholeTemplateSchema = z.string().regex(/^\$\{[^}]+\}$/, 'must be exactly one template, e.g. "${steps.list.output.items}"');

/**
 * A step's `when`: a condition on the run's input and earlier outputs, as data (no code is
 * evaluated). Operands are JSON whose strings may hold templates; `exists` is true when its
 * template resolves; `and` / `or` stop at the first operand that decides (lib/templates.ts).
 */
export type PlanCondition =
  { equals: [z.core.util.JSONType, z.core.util.JSONType] } | { exists: string } | { not: PlanCondition } | { and: PlanCondition[] } | { or: PlanCondition[] };
export const planConditionSchema: z.ZodType<PlanCondition> = z.lazy(() =>
  z.union([
    z.object({ equals: z.tuple([z.json(), z.json()]) }).strict(),
    z.object({ exists: wholeTemplateSchema }).strict(),
    z.object({ not: planConditionSchema }).strict(),
    z.object({ and: z.array(planConditionSchema).min(1).max(20) }).strict(),
    z.object({ or: z.array(planConditionSchema).min(1).max(20) }).strict(),
  ]),
);

/** How many items one forEach step may call its tool for. */
export const maxForEachItems = 1000;

export const planStepSchema = z
  .object({
    id: stepIdSchema,
    tool: toolNameSchema,
    args: z.record(z.string(), z.unknown()).default({}),
    /** The steps this one waits for: a plan where any step has `dependsOn` is a graph (docs/runs.md, "Plan graphs"). */
    dependsOn: z.array(stepIdSchema).max(200).optional(),
    /** One tool call per item of the array this template resolves to; args may use `${item}` and `${index}`. */
    forEach: wholeTemplateSchema.optional(),
    /** How many of a forEach step's calls run at once (default 10). */
    concurrency: z.number().int().min(1).max(50).optional(),
    /** Run the step only when this holds; otherwise it is skipped (`step.skipped`). */
    when: planConditionSchema.optional(),
    approval: approvalSchema.optional(),
    retry: retryOverrideSchema.optional(),
    timeout: durationSchema.optional(),
    /** How long the step waits for the user to connect a missing or expired Composio account (default: limits.connectionTimeout, else 24h). */
    connectionTimeout: durationSchema.optional(),
  })
  .strict();
export type PlanStep = z.infer<typeof planStepSchema>;

/** The most JSON a definition's own fact may carry (UTF-8 bytes): `ctx.emit` data, `ctx.approval` data. */
export const factDataMaxBytes = 64 * 1024;
const jsonBytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

/** A JSON object of at most `factDataMaxBytes`; `what` names it in the errors. */
export const boundedJsonObjectSchema = (what: string) =>
  z
    .record(z.string(), z.json(), { error: `${what} must be a JSON object` })
    .refine((data) => jsonBytes(data) <= factDataMaxBytes, { message: `${what} is larger than ${factDataMaxBytes} bytes of JSON` });

/** A definition's own gate, `ctx.approval(request)`: what it asks, the data approvers decide on, and the gate's settings. */
export const approvalRequestSchema = approvalOptionsSchema
  .extend({
    title: z.string().trim().min(1, 'an approval needs a title').max(200),
    /** What approvers see (and may edit when they approve): a JSON object. */
    data: boundedJsonObjectSchema('data').default({}),
    /** The gate's name in the log and its approval id (`<runId>:<step>`); default `approval#<n>`. */
    step: stepIdSchema.optional(),
  })
  .strict();
export type ApprovalRequest = z.input<typeof approvalRequestSchema>;

/** The options of a definition's `ctx.tool(name, args, options)` call: a plan step's, and the call's name in the log. */
export const toolCallOptionsSchema = planStepSchema.pick({ approval: true, retry: true, timeout: true, connectionTimeout: true }).extend({
  /** The call's name in the log and the dashboard (default `<tool>#<n>`). */
  step: stepIdSchema.optional(),
});
export type ToolCallOptions = z.infer<typeof toolCallOptionsSchema>;

/** The options of a definition's `ctx.run(definition, input, options)` call. */
export const childRunOptionsSchema = z.object({ step: stepIdSchema.optional() }).strict();

export const planSchema = z
  .object({ steps: z.array(planStepSchema).min(1, 'a plan needs at least one step').max(200) })
  .strict()
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.steps.forEach((step, index) => {
      if (seen.has(step.id)) {
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
      }
      seen.add(step.id);
      if (step.concurrency !== undefined && step.forEach === undefined) {
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'concurrency'], message: 'concurrency is for forEach steps only' });
      }
    });
  });

export const agentSchema = z
  .object({
    /** `<provider>:<model>`, or a bare name for MODEL_BASE_URL (lib/model-id.ts). */
    model: modelIdSchema,
    instructions: z.string().min(1),
    tools: z.array(toolNameSchema).max(128).default([]),
    maxTurns: z.number().int().min(1).max(200).optional(),
    approvalRequired: z.array(toolNameSchema).optional(),
    /** The settings of the agent's gates (the tools in approvalRequired, and those the installation gates). */
    approval: approvalOptionsSchema.optional(),
    /** Wait for `message` signals after each answer instead of finishing. */
    conversational: z.boolean().optional(),
    /** How long a conversational run waits for the next message before it completes (default 10m). */
    idleTimeout: durationSchema.optional(),
  })
  .strict();

/**
 * A definition's `ctx.agent(request)`: an agent loop's settings as agent mode's spec has them (not
 * conversational), its input as the first user message, and its name in the log.
 */
export const agentRequestSchema = agentSchema
  .pick({ model: true, instructions: true, tools: true, maxTurns: true, approvalRequired: true, approval: true })
  .extend({
    /** The first user message: a string as is, anything else as its JSON. */
    input: z.json().optional(),
    /** The call's name: its turns and tool calls are `<step>.turn-<n>…` in the log (default `agent#<n>`). */
    step: stepIdSchema.optional(),
  })
  .strict();
export type AgentRequest = z.input<typeof agentRequestSchema>;

export const limitsSchema = z
  .object({
    maxToolCalls: z.number().int().min(1).max(10_000).optional(),
    deadline: durationSchema.optional(),
    /** The most tokens (input + output) the run's model calls may take together; a call that would pass it is not made (BudgetExceeded). */
    maxTokens: z.number().int().positive().max(1_000_000_000).optional(),
    /** The most USD the run's model calls may cost together (lib/model-prices.ts); a call that would pass it is not made (BudgetExceeded). */
    maxCostUsd: z.number().positive().max(1_000_000).optional(),
    /** How long a tool call waits for a missing or expired Composio account to be connected (default 24h). */
    connectionTimeout: durationSchema.optional(),
  })
  .strict();

export const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^,\s]+$/, 'tags may not contain spaces or commas');

/** A run definition's name (`defineRun({ name })`): what `POST /v1/runs { definition }` names. */
export const definitionNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'a definition name is lowercase letters, digits and "-", starting with a letter (max 64)');

/**
 * A replay's or a fork's origin (`POST /v1/runs/:id/replay`, `…/fork`): tool calls return the
 * recorded results of run `runId` instead of calling the tool: all of them in a replay (a call the
 * original never made fails the run, ReplayDiverged), those that succeeded before `fromSeq` in a fork.
 */
export const runOriginSchema = z
  .object({
    runId: z.string().trim().min(1).max(200),
    mode: z.enum(['replay', 'fork']),
    fromSeq: z.number().int().positive().optional(),
  })
  .strict()
  .refine((origin) => (origin.mode === 'fork') === (origin.fromSeq !== undefined), { message: 'a fork names fromSeq, a replay does not' });
export type RunOrigin = z.infer<typeof runOriginSchema>;

/** The run spec, validated at the API edge and carried into the workflow (docs/runs.md). */
export const runSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    tags: z.array(tagSchema).max(20).default([]),
    idempotencyKey: z.string().trim().min(1).max(200).optional(),
    userId: z.string().trim().min(1).max(200).optional(),
    /** A Composio connected account to use instead of the user's default one for the toolkit. */
    connectedAccountId: z.string().trim().min(1).max(200).optional(),
    input: z.json().optional(),
    plan: planSchema.optional(),
    agent: agentSchema.optional(),
    /** A run written in TypeScript (`defineRun`), by name; `input` is checked against its input schema. */
    definition: definitionNameSchema.optional(),
    limits: limitsSchema.optional(),
    /** Set by replay and fork: the run whose recorded tool results this one reuses. */
    origin: runOriginSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ([spec.plan, spec.agent, spec.definition].filter((part) => part !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: 'a run spec needs exactly one of "plan", "agent" or "definition"' });
    }
  });
export type RunSpec = z.infer<typeof runSpecSchema>;
export const runModes = ['plan', 'agent', 'definition'] as const;
export type RunMode = (typeof runModes)[number];

export const runModeOf = (spec: RunSpec): RunMode => (spec.plan ? 'plan' : spec.definition ? 'definition' : 'agent');
