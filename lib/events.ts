import { z } from 'zod';
import type { EventDataInput } from './event-schemas';

/** The event types Flightdeck itself records (docs/architecture.md, "Event log"); each one's data schema is in lib/event-schemas.ts. */
export const eventTypes = [
  'run.created',
  'run.started',
  'step.started',
  'step.skipped',
  'tool.call.started',
  'tool.call.progress',
  'tool.call.succeeded',
  'tool.call.failed',
  'tool.call.refused',
  'approval.requested',
  'approval.submitted',
  'approval.decided',
  'approval.expired',
  'approval.signal_rejected',
  'signal.rejected',
  'message.received',
  'model.called',
  'connection.required',
  'connection.resolved',
  'connection.expired',
  'child.started',
  'child.completed',
  'child.failed',
  'run.cancel_requested',
  'run.completed',
  'run.failed',
  'run.cancelled',
  'run.terminated',
] as const;
export const builtinEventTypeSchema = z.enum(eventTypes);
export type BuiltinEventType = z.infer<typeof builtinEventTypeSchema>;

/** The name a definition gives `ctx.emit`: lower case, digits, `_`, `.` and `-`, up to 64 characters. */
export const customEventNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'an event name is a lower-case letter, then up to 63 of a-z, 0-9, "_", "." and "-"');
/** A definition's own event (`ctx.emit(name, data)`): `custom.<name>`. */
export const customEventTypeSchema = z.templateLiteral(['custom.', customEventNameSchema]);
export type CustomEventType = z.infer<typeof customEventTypeSchema>;
export const isCustomEventType = (type: string): type is CustomEventType => customEventTypeSchema.safeParse(type).success;

/** Every event type in the log: Flightdeck's own, and `custom.<name>` events of definitions. */
export const eventTypeSchema = z.union([builtinEventTypeSchema, customEventTypeSchema]);
export type EventType = z.infer<typeof eventTypeSchema>;

/** Who did something: null for the system, a key's identity for users. */
export const actorSchema = z
  .object({
    type: z.enum(['api_key', 'user', 'system']),
    id: z.string(),
    name: z.string().optional(),
    role: z.string().optional(),
    ip: z.string().optional(),
  })
  .strict();
export type Actor = z.infer<typeof actorSchema>;

export const runStatuses = ['created', 'running', 'awaiting_approval', 'awaiting_connection', 'completed', 'failed', 'cancelled', 'terminated'] as const;
export const runStatusSchema = z.enum(runStatuses);
export type RunStatus = z.infer<typeof runStatusSchema>;
/** The statuses a run ends in, each recorded by its own event. */
export const runEndEventTypes = {
  completed: 'run.completed',
  failed: 'run.failed',
  cancelled: 'run.cancelled',
  terminated: 'run.terminated',
} as const satisfies Partial<Record<RunStatus, EventType>>;
export type EndStatus = keyof typeof runEndEventTypes;
export const endStatuses = Object.keys(runEndEventTypes) as EndStatus[];
export const terminalStatuses: ReadonlySet<RunStatus> = new Set(endStatuses);
const endStatusByEventType = new Map<string, EndStatus>(endStatuses.map((status) => [runEndEventTypes[status], status]));
/** The status a run-ending event ends its run in, or undefined for any other event. */
export const endStatusOf = (type: string): EndStatus | undefined => endStatusByEventType.get(type);

/** An approval's status: pending until decided, expired at its deadline, cancelled with its run. */
export const approvalStatuses = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export const approvalStatusSchema = z.enum(approvalStatuses);
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

/** A fact as a writer hands it to the log, its data of its type's schema; seq, hash and time are assigned on append. */
export type NewEvent = {
  [T in EventType]: {
    type: T;
    /** Unique per fact, derived from durable identity (workflow id, activity id, attempt, phase). */
    dedupeKey: string;
    data: EventDataInput<T>;
    actor?: Actor | null;
  };
}[EventType];

/** An event as stored and served (REST, ws). */
export const runEventSchema = z.object({
  runId: z.string(),
  seq: z.number().int().positive(),
  type: eventTypeSchema,
  at: z.string(),
  actor: actorSchema.nullable(),
  data: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type RunEvent = z.infer<typeof runEventSchema>;

/** The error a failed tool call or run carries in its event data. */
export const failureSchema = z.object({
  message: z.string(),
  errorClass: z.string(),
  retryable: z.boolean(),
  nextRetryDelayMs: z.number().nullable().optional(),
});
export type FailureInfo = z.infer<typeof failureSchema>;
