import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError, isUnavailableError } from '../../lib/errors';
import type { Era } from './protocol-revisions';
import { listRunResources, readRunResource, runResourceTemplate } from './run-resource';
import { flightdeckTools, type ToolDeps } from './tools';

export const serverInfo = { name: 'flightdeck', title: 'Flightdeck', version: '0.1.0' };
export const serverCapabilities = { tools: {}, resources: {} };
export const serverInstructions =
  'Flightdeck runs durable agent runs and plans. start_run starts one (a plan, an agent or a named definition: list_definitions shows them); ' +
  'wait_for_run follows it to its end with progress; list_approvals and decide_approval answer the human approvals a run waits for. ' +
  'Every tool acts as the API key you connected with: its tenant, its role.';

export interface McpRequestContext {
  era: Era['era'];
  /** The `POST /v1/mcp` request, past requireAuth (`request.principal`). */
  request: Request;
  response: Response;
  signal: AbortSignal;
}

export type McpDeps = ToolDeps & { log: Logger };

const toolsByName = new Map(flightdeckTools.map((tool) => [tool.name, tool]));
const listedTools = flightdeckTools.map((tool) => ({
  name: tool.name,
  title: tool.title,
  description: tool.description,
  inputSchema: z.toJSONSchema(tool.inputSchema, { io: 'input', unrepresentable: 'any' }) as { type: 'object'; [key: string]: unknown },
  annotations: { title: tool.title, ...tool.annotations },
}));

/** What a handler threw, as the API's one error: dependencies down are `unavailable`, anything unexpected `internal` (logged, not shown). */
function asAppError(error: unknown, log: Logger): AppError {
  if (error instanceof AppError) return error;
  if (isUnavailableError(error)) return new AppError('unavailable', 'a dependency of the API is unavailable; retry shortly');
  log.error({ err: error }, 'unhandled error in an MCP request');
  return new AppError('internal', 'internal error');
}

/** A refused tool call is a tool result (`isError`), so the model sees why: the REST error body, as text and as structured content. */
function toolError(error: AppError): CallToolResult {
  const body = error.toBody();
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body };
}

/** A refused resource request is a JSON-RPC error carrying the REST error body; not found is -32002 before 2026-07-28, -32602 since. */
function resourceError(error: AppError, era: Era['era']): McpError {
  const code =
    error.code === 'not_found'
      ? era === 'modern'
        ? ErrorCode.InvalidParams
        : -32002
      : error.code === 'validation_failed'
        ? ErrorCode.InvalidParams
        : ErrorCode.InternalError;
  return new McpError(code, error.message, error.toBody());
}

/**
 * One SDK server for one POST (stateless: nothing outlives the request). Tools and the run
 * resource act through the REST routes with the request's principal.
 */
export function buildMcpServer(context: McpRequestContext, deps: McpDeps): Server {
  const server = new Server(serverInfo, { capabilities: serverCapabilities, instructions: serverInstructions });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listedTools }));
  server.setRequestHandler(CallToolRequestSchema, async (call, extra): Promise<CallToolResult> => {
    const tool = toolsByName.get(call.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `no tool ${call.params.name}; tools/list names them`);
    const progressToken = call.params._meta?.progressToken;
    const progress = async (value: number, message: string) => {
      if (progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: value, message } });
    };
    try {
      const json = await tool.call(call.params.arguments ?? {}, { ...context, progress }, deps);
      return { content: [{ type: 'text', text: JSON.stringify(json) }], structuredContent: json };
    } catch (error) {
      return toolError(asAppError(error, deps.log));
    }
  });
  const resourceCall = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      throw resourceError(asAppError(error, deps.log), context.era);
    }
  };
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [runResourceTemplate] }));
  server.setRequestHandler(ListResourcesRequestSchema, (list) => resourceCall(() => listRunResources(list.params?.cursor, context, deps)));
  server.setRequestHandler(ReadResourceRequestSchema, (read) => resourceCall(() => readRunResource(read.params.uri, context, deps)));
  return server;
}
