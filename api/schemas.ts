import { z } from 'zod';
import { runStatusSchema } from '../lib/events';
import { roleSchema, toolNameSchema } from '../lib/run-spec';

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

const tenantIdSchema = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"');
export const createKeyBody = z.object({ name: z.string().trim().min(1).max(200), role: roleSchema, tenantId: tenantIdSchema.optional() }).strict();
export const tenantQuery = z.object({ tenantId: tenantIdSchema.optional() }).strict();
export const keyIdParams = z.object({ id: z.string().min(1).max(100) });

export const approvalParams = z.object({ id: z.string().min(1).max(100), approvalId: z.string().min(1).max(300) });
export const decisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().trim().min(1).max(4000).optional(),
    /** Approve with edited args: checked against the tool's input schema. */
    args: z.record(z.string(), z.json()).optional(),
  })
  .strict()
  .refine((body) => body.decision === 'approve' || body.args === undefined, { message: 'only an approval can edit args', path: ['args'] });
export const approvalsQuery = z
  .object({
    status: commaList(z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled'])).optional(),
    runId: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .strict();
