import { z } from 'zod';
import { actorSchema, failureSchema, isCustomEventType, type BuiltinEventType, type CustomEventType, type EventType } from './events';
import { isLegacyUsage, usageOf } from './model-usage';
import { boundedJsonObjectSchema, durationSchema, factDataMaxBytes, roleSchema, runModes, runSpecSchema } from './run-spec';

/**
 * The `data` of every event type, one schema each: what writers may append (checked on append
 * outside production, lib/event-log/append.ts) and what readers (the projections, the dashboard's
 * timeline) may rely on. A new event type joins `eventDataSchemas`; the compiler then asks for it
 * everywhere a writer or a reader switches on the type.
 */

const args = z.record(z.string(), z.unknown());
/** A duration as the workflow recorded it (`"1h"`, `"30s"`): the run spec's, or a default of the same form. */
const recordedDuration = durationSchema;

/** A failure as a run's end records it: the failure and, when a step caused it, the step. */
export const runFailureSchema = failureSchema.extend({ step: z.string().optional() });

/** The fields every tool-call attempt event carries (activities/event-log-interceptor.ts). */
const toolCallAttempt = z.object({
  stepId: z.string(),
  tool: z.string(),
  attempt: z.number().int().positive(),
  activityId: z.string(),
  idempotencyKey: z.string(),
});

/** `sha256:<hex>` of an approval's args (lib/args-hash.ts). */
export const argsHashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be an approval\'s argsHash ("sha256:<64 hex digits>")');

export const approvalDecisionSchema = z.enum(['approve', 'reject']);
export const approvalOnTimeoutSchema = z.enum(['reject', 'approve', 'fail']);

/**
 * One person's decision on an approval, the one shape it has from the API's body to the workflow's
 * signal: `decisionInputSchema` is what a client sends, `approvalSignalSchema` what the API signals
 * (the decision plus which approval, who, and their tenant), checked again by the workflow.
 */
const decisionFields = {
  decision: approvalDecisionSchema,
  comment: z.string().trim().min(1).max(4000).optional(),
  /** Approve with edited args: checked against the tool's input schema. */
  args: z.record(z.string(), z.json(), { error: 'args must be an object' }).optional(),
  /** The approval's `argsHash` the decision is for (what its approver saw); a stale one is refused. */
  argsHash: argsHashSchema.optional(),
};
const onlyApprovalsEdit = (decision: { decision: string; args?: unknown }) => decision.decision === 'approve' || decision.args === undefined;
const onlyApprovalsEditIssue = { message: 'only an approval can edit args', path: ['args'] };
export const decisionInputSchema = z.object(decisionFields).strict().refine(onlyApprovalsEdit, onlyApprovalsEditIssue);
export type DecisionInput = z.infer<typeof decisionInputSchema>;

/**
 * What the API adds to every signal it sends (lib/signal-signature.ts): an HMAC-SHA256 by a key of
 * FLIGHTDECK_SIGNAL_KEYS over the workflow id, the signal's name, its payload and `issuedAt`. The
 * worker's `verifySignal` local activity checks it before the workflow applies the signal, so one
 * who reaches Temporal's port but holds no key cannot approve, message, cancel or resume a run.
 */
export const signalSignatureSchema = z
  .object({
    keyId: z.string().min(1).max(64),
    /** base64url of the 32-byte HMAC. */
    mac: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url HMAC-SHA256'),
    issuedAt: z.iso.datetime(),
  })
  .strict();
export type SignalSignature = z.infer<typeof signalSignatureSchema>;

export const approvalSignalSchema = z
  .object({
    approvalId: z.string({ error: 'approvalId is missing' }),
    ...decisionFields,
    decision: z.enum(['approve', 'reject'], { error: 'decision must be "approve" or "reject"' }),
    actor: actorSchema.extend({ role: roleSchema }),
    tenantId: z.string({ error: "actor is not of the run's tenant" }),
    /** Set by the API's client as it sends the signal; checked by the worker before this schema is. */
    signature: signalSignatureSchema.optional(),
  })
  .refine(onlyApprovalsEdit, onlyApprovalsEditIssue);
export type ApprovalSignalPayload = z.infer<typeof approvalSignalSchema>;

/** A model call's tokens; events of older writers named them `promptTokens` and `completionTokens`, and read as today's shape. */
export const modelUsageSchema = z.preprocess(
  (value) => (isLegacyUsage(value) ? usageOf(value) : value),
  z.object({ inputTokens: z.number(), outputTokens: z.number(), cachedInputTokens: z.number(), totalTokens: z.number() }).strict(),
);

export const eventDataSchemas = {
  'run.created': z.object({
    spec: runSpecSchema,
    specHash: z.string(),
    mode: z.enum(runModes),
    name: z.string().nullable(),
    tags: z.array(z.string()),
    idempotencyKey: z.string().nullable(),
    /** A child run (`ctx.run`): the run that started it, and the parent's step that did. */
    parentRunId: z.string().optional(),
    parentStep: z.string().optional(),
  }),
  'run.started': z.object({}),
  'step.started': z.object({ stepId: z.string(), tool: z.string(), toolCallId: z.string().optional() }),
  /** A plan step that did not run: its `when` was false, or (without a `when`) a step it depends on was skipped. */
  'step.skipped': z.object({ stepId: z.string(), tool: z.string(), reason: z.enum(['condition', 'dependency']), dependency: z.string().optional() }),
  /** `schemaHash`: of the input schema of the tool called, for tools whose schema the provider serves (MCP). */
  'tool.call.started': toolCallAttempt.extend({ args, schemaHash: z.string().optional() }),
  /** A progress notification of the attempt (MCP `notifications/progress`), each one once, `sequence` 1, 2, … in the attempt. */
  'tool.call.progress': toolCallAttempt.extend({
    sequence: z.number().int().positive(),
    progress: z.number(),
    total: z.number().optional(),
    message: z.string().optional(),
  }),
  'tool.call.succeeded': toolCallAttempt.extend({
    durationMs: z.number(),
    output: z.unknown(),
    /** A replay's or a fork's call: the output is the earlier run's, from its event at this seq; the tool did not run. */
    reusedFrom: z.object({ runId: z.string(), seq: z.number().int().positive() }).optional(),
  }),
  /** A lost attempt (its worker died) has no duration. */
  'tool.call.failed': toolCallAttempt.extend({ durationMs: z.number().optional(), error: failureSchema }),
  'tool.call.refused': z.object({
    turn: z.number().int(),
    /** The `ctx.agent` call (its step name) the turn is of; absent in agent runs. */
    agent: z.string().optional(),
    toolCallId: z.string(),
    name: z.string(),
    reason: z.literal('not_allowed'),
    allowedTools: z.array(z.string()),
  }),
  'approval.requested': z.object({
    approvalId: z.string(),
    stepId: z.string(),
    /** The tool the gate holds; null for a definition's own gate (`ctx.approval`), which has a title instead. */
    tool: z.string().nullable(),
    /** What a tool-less gate asks (`ctx.approval({ title })`). */
    title: z.string().optional(),
    /** The tool's args, or a tool-less gate's `data`: what approvers see and decide on. */
    args,
    approvers: z.array(roleSchema),
    required: z.number().int().positive(),
    onTimeout: approvalOnTimeoutSchema,
    timeout: recordedDuration,
    /** What decisions must name (absent in approvals requested before decisions were bound to args). */
    argsHash: argsHashSchema.optional(),
    allowSelfApproval: z.boolean().optional(),
    /** Who counts as the run's creator: they may not approve unless allowSelfApproval. */
    creatorIds: z.array(z.string()).optional(),
  }),
  /** A decision as the API recorded it: `DecisionInput` with absent fields as null. */
  'approval.submitted': z.object({
    approvalId: z.string(),
    decision: approvalDecisionSchema,
    comment: z.string().nullable(),
    args: args.nullable(),
    /** The args the decision is for: an edit's own hash is `argsHashOf(args)`, and it restarts the quorum. */
    argsHash: argsHashSchema.nullable().optional(),
  }),
  'approval.decided': z.object({
    approvalId: z.string(),
    decision: approvalDecisionSchema,
    by: z.array(actorSchema),
    comment: z.string().nullable(),
    /** When approvers edited the args: what runs, and what was asked. */
    editedArgs: args.optional(),
    originalArgs: args.optional(),
    /** The args that run; `by` are the approvers of exactly these. */
    argsHash: argsHashSchema.optional(),
    /** How many times an edit restarted the quorum (the approvals before it no longer counted). */
    quorumRestarts: z.number().int().nonnegative().optional(),
  }),
  'approval.expired': z.object({
    approvalId: z.string(),
    onTimeout: approvalOnTimeoutSchema,
    /** onTimeout "approve" did not apply: an approver had edited the args, and no quorum approved the edit. */
    argsEdited: z.literal(true).optional(),
  }),
  'approval.signal_rejected': z.object({ approvalId: z.string().nullable(), reason: z.string() }),
  /** A cancel, message or connection signal whose signature did not verify: not applied (an approval's is `approval.signal_rejected`). */
  'signal.rejected': z.object({ signal: z.enum(['cancel', 'message', 'connection']), reason: z.string() }),
  'message.received': z.object({ index: z.number().int().nonnegative(), text: z.string() }),
  'model.called': z.object({
    turn: z.number().int(),
    /** The `ctx.agent` call (its step name) the turn is of; absent in agent runs. */
    agent: z.string().optional(),
    model: z.string(),
    usage: modelUsageSchema,
    /** What the call cost in USD (lib/model-prices.ts); null: the model has no price; absent in older events. */
    costUsd: z.number().nullable().optional(),
    finishReason: z.string().nullable(),
    content: z.string().nullable(),
    toolCalls: z.array(z.object({ id: z.string(), name: z.string() })),
  }),
  'connection.required': z.object({
    stepId: z.string(),
    tool: z.string(),
    toolkit: z.string(),
    userId: z.string(),
    connectedAccountId: z.string().nullable().optional(),
    message: z.string(),
    timeout: recordedDuration,
    /** Where to start a connection; the API signals the run once the account is ACTIVE. */
    connect: z.object({ method: z.literal('POST'), path: z.string(), body: z.object({ userId: z.string(), authConfigId: z.string() }) }),
  }),
  'connection.resolved': z.object({ stepId: z.string(), toolkit: z.string(), userId: z.string(), connectedAccountId: z.string().nullable().optional() }),
  'connection.expired': z.object({ stepId: z.string(), toolkit: z.string(), userId: z.string(), timeout: recordedDuration }),
  /** A definition's `ctx.run` started a child run (its own id and log; its `run.created` names this run as its parent). */
  'child.started': z.object({ childRunId: z.string(), definition: z.string(), step: z.string() }),
  'child.completed': z.object({ childRunId: z.string(), step: z.string(), output: z.unknown() }),
  /** The child failed, was cancelled or terminated on its own: `ctx.run` throws `ChildRunFailed` with this error. */
  'child.failed': z.object({ childRunId: z.string(), step: z.string(), error: failureSchema }),
  'run.cancel_requested': z.object({ reason: z.string().nullable() }),
  'run.completed': z.object({ output: z.unknown() }),
  'run.failed': z.object({ error: runFailureSchema }),
  'run.cancelled': z.object({ reason: z.string().nullable() }),
  'run.terminated': z.object({ reason: z.string().nullable() }),
} satisfies { [T in BuiltinEventType]: z.ZodObject };

/** The most JSON a `custom.<name>` event's data may hold (UTF-8 bytes): an event is a fact, not a payload store. */
export const customEventMaxBytes = factDataMaxBytes;
/**
 * The data of a `custom.<name>` event (`ctx.emit`): a JSON object of at most `customEventMaxBytes`.
 * Redacted on append like every fact's data.
 */
export const customEventDataSchema = boundedJsonObjectSchema('custom event data');
export type CustomEventData = z.output<typeof customEventDataSchema>;

type DataSchemas = typeof eventDataSchemas;
/** What a writer hands in as the data of a `T` event. */
export type EventDataInput<T extends EventType> = T extends BuiltinEventType ? z.input<DataSchemas[T]> : z.input<typeof customEventDataSchema>;
/** The data of a `T` event as readers see it. */
export type EventData<T extends EventType> = T extends BuiltinEventType ? z.output<DataSchemas[T]> : CustomEventData;

/** `{ type, data }` for every event type: switch on `type` and `data` is that type's. */
export type TypedEventData = { [T in BuiltinEventType]: { type: T; data: EventData<T> } }[BuiltinEventType] | { type: CustomEventType; data: CustomEventData };

const typedEventSchemas = (Object.keys(eventDataSchemas) as BuiltinEventType[]).map((type) =>
  z.object({ type: z.literal(type), data: eventDataSchemas[type] }),
);
/** The union of every built-in event's `{ type, data }`, keyed by `type` (custom events: `typedEventData`). */
export const typedEventDataSchema = z.discriminatedUnion(
  'type',
  typedEventSchemas as [(typeof typedEventSchemas)[number], ...(typeof typedEventSchemas)[number][]],
);

const strictDataSchemas = new Map<string, z.ZodType>(
  (Object.keys(eventDataSchemas) as BuiltinEventType[]).map((type) => [type, eventDataSchemas[type].strict()]),
);

/**
 * What is wrong with a fact a writer is about to append, or null: its data must be exactly its
 * type's shape (no field the schema does not name), so writers and readers cannot drift apart.
 */
export function problemsWithEventData(type: EventType, data: unknown): z.core.$ZodIssue[] | null {
  const schema = isCustomEventType(type) ? customEventDataSchema : strictDataSchemas.get(type);
  if (!schema) return [{ code: 'custom', path: ['type'], message: `unknown event type ${type}`, input: type }];
  const parsed = schema.safeParse(data);
  return parsed.success ? null : parsed.error.issues;
}

/**
 * An event's `{ type, data }` typed by its schema, for readers of stored events; null when the
 * data does not have its type's shape (an event of an older writer, say), which readers then show
 * as it is. Only the fields the schema names are in the result.
 */
export function typedEventData(event: { type: string; data: unknown }): TypedEventData | null {
  if (isCustomEventType(event.type)) {
    const custom = customEventDataSchema.safeParse(event.data);
    return custom.success ? { type: event.type, data: custom.data } : null;
  }
  const parsed = typedEventDataSchema.safeParse({ type: event.type, data: event.data });
  return parsed.success ? (parsed.data as TypedEventData) : null;
}
