import { ApplicationFailure } from '@temporalio/common';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/args-hash';
import { FailureType } from '../../lib/failure-types';
import type { ToolDefinition } from '../tool';
import { clientError, failureForSdkError, nonRetryableErrorTypes, retryableError } from '../tool-errors';
import { mcpArgsSchema } from './mcp-args-schema';
import type { McpServerConfig } from './mcp-config';
import { McpCallError, type McpServerConnection } from './mcp-connection';

export const mcpToolPrefix = 'mcp';

/** `mcp.<server>.<tool>`; MCP tool names may hold `.` and `-`, server names hold no `.`. */
export const mcpToolName = (server: string, tool: string): string => `${mcpToolPrefix}.${server}.${tool}`;

/** `sha256:<hex>` of the canonical JSON of a tool's input schema: what a run records of the tool it called. */
export const schemaHashOf = (schema: unknown): string => `sha256:${sha256Hex(canonicalJson(schema))}`;

/** How often a call heartbeats while it waits (progress notifications heartbeat too): cancellation arrives on heartbeats. */
const heartbeatEveryMs = 2000;
/** The SDK's own timeout ends the call this long before Temporal's, so the server hears `notifications/cancelled`. */
const timeoutMarginMs = 1000;

export interface McpToolOptions {
  server: string;
  config: McpServerConfig;
  connection: McpServerConnection;
  maxResultBytes: number;
  onSchemaProblem?(problem: string): void;
}

/** One MCP server's tool behind the same interface as the built-ins, as `mcp.<server>.<tool>`. */
export function mcpToolDefinition(tool: Tool, options: McpToolOptions): ToolDefinition {
  const { server, config, connection, maxResultBytes } = options;
  const name = mcpToolName(server, tool.name);
  const jsonSchema = tool.inputSchema as Record<string, unknown>;
  const args = mcpArgsSchema(jsonSchema);
  if (args.problem) options.onSchemaProblem?.(`${name}: its input schema does not compile (${args.problem}); args go to the server unchecked`);
  const annotations = tool.annotations ?? {};
  return {
    name,
    description: tool.description ?? tool.title ?? annotations.title ?? tool.name,
    inputSchema: args.schema,
    jsonSchema,
    schemaHash: schemaHashOf(jsonSchema),
    defaults: {
      startToCloseTimeout: config.timeout ?? '60s',
      // Heartbeats carry cancellation to the call, and tell Temporal soon when its worker died.
      heartbeatTimeout: '10s',
      retry: {
        maximumAttempts: 4,
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumInterval: '30s',
        nonRetryableErrorTypes: config.retryToolErrors ? nonRetryableErrorTypes : [...nonRetryableErrorTypes, FailureType.McpToolError],
      },
    },
    requiresApproval: false,
    readOnly: annotations.readOnlyHint === true,
    idempotent: annotations.idempotentHint === true || annotations.readOnlyHint === true,
    async execute(callArgs, context) {
      const beat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
      let result: CallToolResult;
      try {
        result = await connection.callTool(tool.name, callArgs as Record<string, unknown>, {
          signal: context.signal,
          timeoutMs: Math.max(1000, (context.timeoutMs ?? 60_000) - timeoutMarginMs),
          onProgress: (progress) => {
            context.heartbeat(progress);
            context.progress?.(progress);
          },
        });
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        throw failureOfCall(name, error, maxResultBytes);
      } finally {
        clearInterval(beat);
      }
      const bytes = Buffer.byteLength(JSON.stringify(result));
      if (bytes > maxResultBytes) throw tooLarge(name, `returned ${bytes} bytes`, maxResultBytes);
      if (result.isError) {
        // Final unless the server's config retries tool errors (its tools' nonRetryableErrorTypes).
        throw ApplicationFailure.create({
          type: FailureType.McpToolError,
          message: `${name} failed: ${textOf(result) || 'the tool reported an error without text'}`,
          nonRetryable: false,
          details: [{ content: result.content }],
        });
      }
      const { isError: _isError, ...output } = result;
      return output;
    },
  };
}

/** The text parts of a result, joined: what an `isError` result says went wrong. */
function textOf(result: CallToolResult): string {
  return result.content
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n')
    .slice(0, 2000);
}

const tooLarge = (name: string, what: string, maxBytes: number) =>
  ApplicationFailure.create({
    type: FailureType.OutputTooLarge,
    message: `${name} ${what}, more than the ${maxBytes} FLIGHTDECK_MCP_MAX_RESULT_BYTES allows; it is not stored`,
    nonRetryable: true,
    details: [{ maxBytes }],
  });

/**
 * The retry decision for a call that got no result: the connection dropping (the server's process
 * died, its HTTP session ended) and timeouts are retried; a server that broke the protocol, or that
 * answered with a JSON-RPC error about the request itself, is not.
 */
function failureOfCall(name: string, thrown: unknown, maxResultBytes: number): ApplicationFailure {
  const broken = thrown instanceof McpCallError ? thrown.broken : null;
  const error = thrown instanceof McpCallError ? thrown.error : thrown;
  if (broken?.kind === 'too-large') {
    // Only a call alone on the connection is surely the one the oversized message answered.
    if (broken.callsInFlight <= 1) return tooLarge(name, `sent a message of more than ${maxResultBytes} bytes`, maxResultBytes);
    return retryableError(FailureType.NetworkError, `${name}: the connection closed because another call's answer passed the size limit`);
  }
  if (broken?.kind === 'protocol') {
    return ApplicationFailure.create({ type: FailureType.McpProtocolError, message: `${name}: ${broken.message}`, nonRetryable: true });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout)
      return retryableError(FailureType.Timeout, `${name}: no answer in time (the server was sent notifications/cancelled): ${message}`);
    if (error.code === ErrorCode.ConnectionClosed)
      return retryableError(FailureType.NetworkError, `${name}: the connection to the server closed mid-call: ${message}`);
    if (error.code === ErrorCode.InternalError) return retryableError(FailureType.ServerError, `${name}: ${message}`);
    // The server refused the request (unknown tool, invalid params), or its answer broke the tool's output schema.
    return clientError(`${name}: ${message}`, { code: error.code });
  }
  if (error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError')) {
    return ApplicationFailure.create({
      type: FailureType.McpProtocolError,
      message: `${name}: the server's answer is not MCP: ${message.slice(0, 300)}`,
      nonRetryable: true,
    });
  }
  const status = (error as { code?: unknown }).code;
  if (error instanceof Error && error.name === 'StreamableHTTPError' && typeof status === 'number') {
    // 404: the server no longer knows the session; the connection starts a new one on the next attempt.
    if (status === 404) return retryableError(FailureType.NetworkError, `${name}: the server ended the MCP session: ${message}`);
    return failureForSdkError(Object.assign(new Error(message), { status }), name) ?? retryableError(FailureType.NetworkError, `${name}: ${message}`);
  }
  return failureForSdkError(error, name) ?? retryableError(FailureType.NetworkError, `${name}: ${message}`);
}
