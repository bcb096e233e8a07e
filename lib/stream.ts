import { z } from 'zod';
import { runSchema } from './api-client/schemas';
import { errorBodySchema } from './errors';
import { runEventSchema, runStatusSchema } from './events';

/** Client → server frames of ws `/v1/stream` (docs/api.md, "Stream protocol"). */
export const ClientFrame = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('subscribe'),
      runId: z.string().min(1).max(100).optional(),
      afterSeq: z.number().int().min(0).optional(),
      runs: z
        .object({ status: z.array(runStatusSchema).optional(), tags: z.array(z.string()).optional() })
        .strict()
        .optional(),
      /** The approvals inbox of the key's tenant. */
      approvals: z.literal(true).optional(),
    })
    .strict()
    .refine((frame) => [frame.runId, frame.runs, frame.approvals].filter(Boolean).length === 1, {
      message: 'subscribe to exactly one of "runId", "runs" or "approvals"',
    }),
  z
    .object({
      type: z.literal('unsubscribe'),
      runId: z.string().min(1).max(100).optional(),
      runs: z.literal(true).optional(),
      approvals: z.literal(true).optional(),
    })
    .strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/**
 * Server → client frames; the server builds them typed by this and the typed client parses them
 * with it. `subscribed` acknowledges a subscription before its first event. Objects strip unknown
 * keys, so a newer server that adds a field does not break an older client.
 */
export const ServerFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), runId: z.string(), seq: z.number().int().positive(), event: runEventSchema }),
  z.object({ type: z.literal('run'), run: runSchema }),
  z.object({
    type: z.literal('subscribed'),
    runId: z.string().optional(),
    afterSeq: z.number().int().optional(),
    runs: z.boolean().optional(),
    approvals: z.boolean().optional(),
  }),
  z.object({ type: z.literal('error'), error: errorBodySchema.shape.error }),
  z.object({ type: z.literal('pong') }),
  // A streamed model answer's text (not a log event: its model.called carries the final answer).
  z.object({ type: z.literal('delta'), runId: z.string(), turn: z.number().int(), agent: z.string().optional(), text: z.string() }),
  // A retried model call starts its answer over: drop the text of this turn so far.
  z.object({ type: z.literal('delta.reset'), runId: z.string(), turn: z.number().int(), agent: z.string().optional() }),
  // The approval's shape is checked by whoever subscribed to the inbox (lib/api-client/schemas.ts approvalSchema).
  z.object({ type: z.literal('approval'), approval: z.unknown() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** Close codes a client acts on; 4000–4999 are ours by the ws spec. */
export const closeCodes = {
  /** The client fell behind (send buffer over the bound): reconnect and resume with afterSeq. */
  lagging: 4008,
  /** The connection's API key was revoked (checked every 5 s); a bad key at upgrade is an HTTP 401 instead. */
  unauthenticated: 4401,
  /** The server is shutting down: reconnect (to another instance) and resume with afterSeq. */
  goingAway: 1001,
} as const;
