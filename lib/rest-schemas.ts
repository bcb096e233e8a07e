import { z } from 'zod';
import { adminActionSchema } from './admin-audit';
import { decisionInputSchema } from './event-schemas';
import { approvalStatusSchema, runStatusSchema } from './events';
import { durationSchema, roleSchema, runSpecSchema, toolNameSchema } from './run-spec';
import { composioConnectionStatuses } from './api-client/schemas';

/**
 * Every path, query and body schema of the REST API, in one place: the routes parse with them and
 * the OpenAPI document (api/openapi.ts) is generated from them, so the two cannot drift.
 */
export const runIdParams = z.object({ id: z.string().min(1).max(100) });

/** `a,b` or repeated keys: both read as a list. */
const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value), z.array(item).min(1).max(20));
const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

export const listRunsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).optional(),
    status: commaList(runStatusSchema).optional(),
    tag: commaList(z.string().min(1).max(64)).optional(),
    tool: toolNameSchema.optional(),
    createdAfter: isoDate.optional(),
    createdBefore: isoDate.optional(),
    q: z.string().trim().min(1).max(200).optional(),
    /** The children a run started with `ctx.run`. */
    parentRunId: runIdParams.shape.id.optional(),
    /** The replays and forks of a run. */
    originRunId: runIdParams.shape.id.optional(),
  })
  .strict();

/** The runs-list filters that are not the status: counts are given per status. */
export const runCountsQuery = listRunsQuery.pick({ tag: true, tool: true, q: true }).strict();

export const eventsQuery = z
  .object({
    afterSeq: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(500),
  })
  .strict();

export const reasonBody = z.object({ reason: z.string().trim().min(1).max(1000).optional() }).strict();
export const messageBody = z.object({ text: z.string().trim().min(1).max(32_000) }).strict();

const tenantIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"');
export const createKeyBody = z.object({ name: z.string().trim().min(1).max(200), role: roleSchema, tenantId: tenantIdSchema.optional() }).strict();
export const tenantQuery = z.object({ tenantId: tenantIdSchema.optional() }).strict();
export const keyIdParams = z.object({ id: z.string().min(1).max(100) });
export const auditQuery = z
  .object({
    tenantId: tenantIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    beforeId: z
      .string()
      .regex(/^[1-9][0-9]{0,17}$/, 'an audit entry id')
      .optional(),
    action: commaList(adminActionSchema).optional(),
  })
  .strict();

export const approvalParams = z.object({ id: z.string().min(1).max(100), approvalId: z.string().min(1).max(300) });
/** The decision's one schema (lib/event-schemas.ts): the body, and what the workflow's signal carries. */
export const decisionBody = decisionInputSchema;
export const approvalsQuery = z
  .object({
    status: commaList(approvalStatusSchema).optional(),
    runId: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .strict();

const composioUserId = z.string().trim().min(1).max(200);
const connectionStatus = z.enum(composioConnectionStatuses);
export const connectionsQuery = z
  .object({
    userId: composioUserId,
    toolkit: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9_-]+$/i, 'a toolkit slug')
      .optional(),
    status: commaList(connectionStatus).optional(),
  })
  .strict();
export const createConnectionBody = z
  .object({
    userId: composioUserId,
    /** The Composio auth config (its dashboard, or `authConfigs.create`) the account connects through. */
    authConfigId: z.string().trim().min(1).max(200),
    /** Where Composio sends the user after they connect (`?status=success|failed`). */
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();
export const syncConnectionsBody = z.object({ userId: composioUserId }).strict();
const scheduleIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1–64 letters, digits, "_" or "-"');
const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
export const scheduleIdParams = z.object({ id: scheduleIdSchema });
export const createScheduleBody = z
  .object({
    id: scheduleIdSchema.optional(),
    spec: runSpecSchema.refine((spec) => spec.idempotencyKey === undefined, {
      message: 'each tick gets its own idempotency key; leave idempotencyKey out',
      path: ['idempotencyKey'],
    }),
    /** A cron expression (`0 * * * *`, `@daily`), as Temporal Schedules read it. */
    cron: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^(@\w+|\S+(\s+\S+){4,6})$/, 'a cron expression of 5–7 fields, or @hourly / @daily / …')
      .optional(),
    /** An interval (`30s`, `15m`, `1h`, `1d`). */
    every: durationSchema.optional(),
    timezone: z.string().trim().min(1).max(100).refine(isTimeZone, 'an IANA time zone, e.g. "Europe/Paris"').optional(),
    paused: z.boolean().default(false),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .refine((body) => (body.cron === undefined) !== (body.every === undefined), { message: 'give exactly one of cron / every', path: ['cron'] });
export type CreateScheduleBody = z.infer<typeof createScheduleBody>;
export const scheduleControlBody = z.object({ note: z.string().trim().min(1).max(500).optional() }).strict();

/**
 * One MCP message (JSON-RPC 2.0) posted to `/v1/mcp`: a request or a notification. Its `params` are
 * the method's, which the MCP SDK checks; extra members pass through to it (api/mcp).
 */
export const mcpMessageBody = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string().max(200), z.number().int()]).optional(),
  method: z.string().min(1).max(200),
  params: z.record(z.string(), z.unknown()).optional(),
});

const derivedRunFields = {
  /** As for `POST /v1/runs`: the same key finds the same replay or fork again. */
  idempotencyKey: runSpecSchema.shape.idempotencyKey,
};

/** `POST /v1/runs/:id/replay`: the run's spec again, every tool call answered from its log. */
export const replayBody = z.object(derivedRunFields).strict();

/** `POST /v1/runs/:id/fork`: the run's spec (with another `input`, if given), its results reused up to a step or a seq. */
export const forkBody = z
  .object({
    ...derivedRunFields,
    /** The first step that runs live: every call of the original that succeeded before its `step.started` is reused. */
    fromStep: z.string().trim().min(1).max(200).optional(),
    /** The same by the original's log position: calls that succeeded before this seq are reused. */
    fromSeq: z.number().int().positive().optional(),
    /** The input of the fork, checked as a start's is; the original's when left out. */
    input: runSpecSchema.shape.input,
  })
  .strict()
  .refine((body) => (body.fromStep === undefined) !== (body.fromSeq === undefined), {
    message: 'name exactly one of fromStep and fromSeq',
    path: ['fromStep'],
  });

/** `GET /v1/usage`: UTC days (`YYYY-MM-DD`), both included; default the 30 days up to today (api/routes/usage.ts). */
export const usageQuery = z.object({ from: z.iso.date().optional(), to: z.iso.date().optional() }).strict();

/** `PUT /v1/budget`: the tenant's monthly model budget in USD; null clears it. */
export const budgetBody = z.object({ monthlyUsd: z.number().positive().max(10_000_000).nullable() }).strict();
