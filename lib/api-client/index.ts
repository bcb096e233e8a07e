/** The typed Flightdeck API client: REST calls, error types, and live watches over the ws stream. */
export { FlightdeckClient, type FlightdeckClientOptions, type ListRunsFilter, type RunSpecInput } from './client';
export { FlightdeckApiError, FlightdeckUnreachableError } from './errors';
export type { StreamStatus, WebSocketLike, ReconnectOptions } from './reconnecting-stream';
export type {
  AdminAuditEntry,
  AdminAuditPage,
  ApiKey,
  Approval,
  Connection,
  CreatedApiKey,
  DailyUsage,
  EventPage,
  Health,
  Principal,
  Readiness,
  ResumedRun,
  Run,
  RunCounts,
  RunDetail,
  RunList,
  RunVerification,
  Schedule,
  StartedConnection,
  TenantBudget,
  Tool,
  UsageTotals,
  Definition,
} from './schemas';
export type { AnswerDelta, EndStatus, RunsFilter, WatchRunOptions, WatchRunResult, WatchRunsOptions } from './watch';
export type { RunEvent, RunStatus } from '../events';
