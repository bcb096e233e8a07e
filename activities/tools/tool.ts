import type { z } from 'zod';
import type { ToolCallPolicy } from '../../lib/workflow-contract';
import { nonRetryableErrorTypes } from './tool-errors';

/** What a tool gets besides its args: cancellation and heartbeats from the activity context. */
export interface ToolContext {
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
  attempt: number;
}

/** The one interface every provider's tools implement (built-in, Composio). */
export interface ToolDefinition<Args = unknown> {
  name: string;
  description: string;
  inputSchema: z.ZodType<Args>;
  /** Retry policy and timeouts a step gets unless it overrides them. */
  defaults: ToolCallPolicy;
  /** Whether a call waits for a human decision unless the step says otherwise. */
  requiresApproval: boolean;
  /** Whether running it twice has the same effect as once (safe to retry blindly). */
  idempotent: boolean;
  execute(args: Args, context: ToolContext): Promise<unknown>;
}

/** Declares a tool with its arg type inferred from the schema. */
export const defineTool = <S extends z.ZodType>(tool: ToolDefinition<z.infer<S>> & { inputSchema: S }): ToolDefinition =>
  tool as unknown as ToolDefinition;

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
