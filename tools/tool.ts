import type { z } from 'zod';
import type { ToolCallPolicy } from '../lib/workflow-contract';
import { nonRetryableErrorTypes } from './tool-errors';

/** What a tool gets besides its args: cancellation and heartbeats from the activity context. */
export interface ToolContext {
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
  attempt: number;
  /** The run's tenant: Composio tools act for the tenant's user (`composioUserIdOf`). */
  tenantId: string;
  /** Whose accounts the call acts for: the run spec's `userId`, as the spec gave it (not yet scoped to the tenant). */
  userId?: string;
  connectedAccountId?: string;
  /** The same for every attempt and replay of this call: run id + step id. */
  idempotencyKey: string;
  /** How many times this call already waited for a shared limit's slot. */
  limitWaits: number;
  /** How long this attempt may run (its start-to-close timeout): a tool's own timeout should end it sooner. */
  timeoutMs?: number;
  /** Records a `tool.call.progress` fact of this attempt (MCP progress notifications); facts keep their order. */
  progress?(update: ToolProgress): void;
}

/** How far a call has come, as the tool reports it: `progress` of `total` (when known), and what it is doing. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** The one interface every provider's tools implement (built-in, Composio, MCP). */
export interface ToolDefinition<Args = unknown> {
  name: string;
  description: string;
  inputSchema: z.ZodType<Args>;
  /**
   * The provider's own JSON Schema of the args (Composio's `input_parameters`), served as is by
   * `GET /v1/tools` and to models; without it the schema is derived from `inputSchema`.
   */
  jsonSchema?: unknown;
  /**
   * `sha256:<hex>` of the canonical JSON of the provider's input schema (MCP tools): recorded on each
   * `tool.call.started`, so a run says which version of a changing schema it called.
   */
  schemaHash?: string;
  /** Retry policy and timeouts a step gets unless it overrides them. */
  defaults: ToolCallPolicy;
  /** Whether a call waits for a human decision unless the step says otherwise. */
  requiresApproval: boolean;
  /** Whether it only reads (Composio's `readOnlyHint`): gates with `exceptReadOnly` leave it out. */
  readOnly?: boolean;
  /** Whether running it twice has the same effect as once (safe to retry blindly). */
  idempotent: boolean;
  /**
   * A short built-in: no I/O, no heartbeats, done in well under a second, idempotent. Runs as a
   * local activity (no task-queue round trip per call); long or external tools never are.
   */
  short?: boolean;
  execute(args: Args, context: ToolContext): Promise<unknown>;
}

/** Declares a tool with its arg type inferred from the schema. */
export const defineTool = <S extends z.ZodType>(tool: ToolDefinition<z.infer<S>> & { inputSchema: S }): ToolDefinition => tool as unknown as ToolDefinition;

export const shortToolPolicy: ToolCallPolicy = {
  startToCloseTimeout: '30s',
  retry: {
    maximumAttempts: 5,
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes,
  },
};
