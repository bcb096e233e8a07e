import type { Actor } from './events';
import type { RunSpec } from './run-spec';

/** The workflow a schedule starts on each tick; it starts the run through the API's run-start path. */
export const scheduledRunWorkflowType = 'scheduledRun';

export interface ScheduledRunInput {
  tenantId: string;
  scheduleId: string;
  spec: RunSpec;
  /** Who created the schedule (recorded in the schedule's memo and the admin audit). */
  createdBy: Actor;
}

export interface ScheduledRunResult {
  runId: string;
  /** false when an earlier attempt of this tick had already started it. */
  created: boolean;
}

/** The actor scheduled runs are recorded under (`run.created`). */
export const scheduleActor = (scheduleId: string): Actor => ({ type: 'system', id: `schedule:${scheduleId}` });

/** The Temporal schedule id: tenant-qualified, since Temporal schedule ids are per namespace. */
export const temporalScheduleId = (tenantId: string, scheduleId: string): string => `fd:${tenantId}:${scheduleId}`;

/**
 * Prefix of each tick's workflow id (Temporal appends `-<scheduled time>`): `fds:<tenant>:<schedule>`.
 * Neither tenant nor schedule ids may hold `:`, so two schedules never share it (the former
 * `fds-<tenant>-<schedule>` did: tenant `a-b` schedule `c` and tenant `a` schedule `b-c`).
 * Temporal keeps the id in each schedule's action, so schedules created before keep their old
 * form (and their ticks, their runs' idempotency keys) until recreated; nothing parses it back.
 */
export const tickWorkflowIdPrefix = (tenantId: string, scheduleId: string): string => `fds:${tenantId}:${scheduleId}`;

/**
 * The idempotency key of the run a tick starts: the tick's workflow id (unique per scheduled time),
 * so a retried activity finds the run its earlier attempt started.
 */
export const tickIdempotencyKey = (tickWorkflowId: string): string => `schedule:${tickWorkflowId}`;

/** The workflow the retention schedule starts each day (workflows/retention-purge.ts). */
export const retentionWorkflowType = 'retentionPurge';

export interface RetentionPurgeInput {
  /** Finished runs that ended more than this many days before the purge are removed. */
  days: number;
}

export interface RetentionPurgeResult {
  purged: number;
  events: number;
  /** The cutoff used: runs that ended before it went. */
  before: string;
}

/**
 * The deployment's one retention schedule. Not under `fd:<tenant>:` (tenants' schedules), so no
 * tenant's listing shows it; per task queue, so deployments sharing a namespace keep their own.
 */
export const retentionScheduleId = (taskQueue: string): string => `flightdeck-retention:${taskQueue}`;
