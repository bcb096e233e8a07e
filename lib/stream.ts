import { z } from 'zod';
import type { ErrorBody } from './errors';
import type { RunEvent } from './events';
import { runStatusSchema } from './events';

/** Client → server frames of ws `/v1/stream` (ARCHITECTURE.md, "Stream protocol"). */
export const clientFrameSchema = z.discriminatedUnion('type', [
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
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** Server → client frames. `subscribed` acknowledges a subscription before its first event. */
export type ServerFrame =
  | { type: 'event'; runId: string; seq: number; event: RunEvent }
  | { type: 'run'; run: unknown }
  | { type: 'approval'; approval: unknown }
  | { type: 'subscribed'; runId?: string; afterSeq?: number; runs?: boolean; approvals?: boolean }
  | { type: 'error'; error: ErrorBody['error'] }
  | { type: 'pong' };

/** Close codes a client acts on; 4000–4999 are ours by the ws spec. */
export const closeCodes = {
  /** The client fell behind (send buffer over the bound): reconnect and resume with afterSeq. */
  lagging: 4008,
  /** The key was missing or invalid at upgrade. */
  unauthenticated: 4401,
  /** The server is shutting down: reconnect (to another instance) and resume with afterSeq. */
  goingAway: 1001,
} as const;
