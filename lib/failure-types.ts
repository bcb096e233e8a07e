/**
 * Every failure type Flightdeck raises, named once: an activity's `ApplicationFailure` type and the
 * `errorClass` a failed tool call or run records (docs/tools.md, "Errors and retries").
 */
export const FailureType = {
  // A tool call that cannot succeed as asked: never retried, whatever the step's policy says.
  UnknownTool: 'UnknownTool',
  /** A replay asked for a tool call its original never made (`POST /v1/runs/:id/replay`). */
  ReplayDiverged: 'ReplayDiverged',
  ValidationError: 'ValidationError',
  ClientError: 'ClientError',
  BadReference: 'BadReference',
  ToolFailed: 'ToolFailed',
  // An MCP server that broke the protocol (a message that is not JSON-RPC, an answer that is not MCP).
  McpProtocolError: 'McpProtocolError',
  // Transient: retried by the call's policy (RateLimited and ServiceUnavailable honour Retry-After).
  RateLimited: 'RateLimited',
  ServiceUnavailable: 'ServiceUnavailable',
  Timeout: 'Timeout',
  ServerError: 'ServerError',
  NetworkError: 'NetworkError',
  UpstreamError: 'UpstreamError',
  // An MCP tool's result with `isError: true`: final unless its server's config retries tool errors.
  McpToolError: 'McpToolError',
  BadModelResponse: 'BadModelResponse',
  CatalogUnavailable: 'CatalogUnavailable',
  FlakyFailure: 'FlakyFailure',
  // Waits the workflow handles itself.
  ConnectionRequired: 'ConnectionRequired',
  LimitWait: 'LimitWait',
  // The log's own facts about an attempt.
  AttemptLost: 'AttemptLost',
  Cancelled: 'Cancelled',
  UnrecoverableResult: 'UnrecoverableResult',
  OutputTooLarge: 'OutputTooLarge',
  // A schedule tick whose creator's API key is revoked.
  KeyRevoked: 'KeyRevoked',
  // Why a run stopped.
  ApprovalExpired: 'ApprovalExpired',
  ApprovalRejected: 'ApprovalRejected',
  // A gated call whose args hold values the log redacts: its approver could not see what would run.
  ApprovalArgsRedacted: 'ApprovalArgsRedacted',
  DeadlineExceeded: 'DeadlineExceeded',
  LimitExceeded: 'LimitExceeded',
  // A model call that would pass limits.maxTokens, limits.maxCostUsd or the tenant's monthly budget: not made.
  BudgetExceeded: 'BudgetExceeded',
  // A plan's forEach whose template did not resolve to an array.
  ForEachNotArray: 'ForEachNotArray',
  InvalidInput: 'InvalidInput',
  RunFailed: 'RunFailed',
  // A run definition (defineRun) that threw, or returned what its output schema refuses.
  DefinitionFailed: 'DefinitionFailed',
  OutputInvalid: 'OutputInvalid',
  // A child run (ctx.run) that failed, was cancelled or terminated, and the parent did not catch it.
  ChildRunFailed: 'ChildRunFailed',
  Terminated: 'Terminated',
  // A worker that cannot do what it was asked.
  ModelNotConfigured: 'ModelNotConfigured',
  NotConfigured: 'NotConfigured',
  InvalidRunSpec: 'InvalidRunSpec',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
