import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../lib/errors';
import { buildMcpServer, serverCapabilities, serverInfo, serverInstructions, type McpDeps } from './mcp-server';
import { classifyRequest, isRefusal, modernResult, sdkRevisionForModern, supportedRevisions, type Era } from './protocol-revisions';

export const mcpPath = '/v1/mcp';

export interface McpEndpointDeps extends McpDeps {
  /** Aborted when the API shuts down: calls still waiting (wait_for_run) answer with the run as it is. */
  shutdown?: AbortSignal;
}

/** The SDK's stateless transport, with each result given what the request's revision asks for (2026-07-28 adds fields). */
class RevisionTransport extends WebStandardStreamableHTTPServerTransport {
  constructor(private readonly shapeResult: ((result: Record<string, unknown>) => Record<string, unknown>) | null) {
    super({ sessionIdGenerator: undefined });
  }

  override send(message: JSONRPCMessage, options?: Parameters<WebStandardStreamableHTTPServerTransport['send']>[1]): Promise<void> {
    const shaped = this.shapeResult && 'result' in message ? { ...message, result: this.shapeResult(message.result) } : message;
    return super.send(shaped as JSONRPCMessage, options);
  }
}

/** The request's headers for the SDK, as a modern request shows them to it: its latest revision (protocol-revisions.ts). */
function headersFor(request: Request, era: Era): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  if (era.era === 'modern') headers.set('mcp-protocol-version', sdkRevisionForModern);
  return headers;
}

/**
 * One POST: checked for its revision, then answered by a fresh SDK server and transport, which
 * the response's close ends (so no state outlives a request: nothing to bound or expire). The
 * message is the body express.json parsed under the REST limits and the route's schema
 * checked; the SDK never reads the request stream.
 */
export async function serveMcpPost(message: Record<string, unknown>, request: Request, response: Response, deps: McpEndpointDeps): Promise<void> {
  const era = classifyRequest(request.headers, message);
  if (isRefusal(era)) {
    response.status(era.status).json({ jsonrpc: '2.0', id: message.id, error: era.error });
    return;
  }
  if (era.era === 'modern' && era.method === 'server/discover') {
    const discovered = { supportedVersions: supportedRevisions, capabilities: serverCapabilities, instructions: serverInstructions };
    response.json({ jsonrpc: '2.0', id: message.id, result: modernResult(era.method, discovered, serverInfo) });
    return;
  }
  const aborted = new AbortController();
  const abort = () => aborted.abort();
  deps.shutdown?.addEventListener('abort', abort);
  if (deps.shutdown?.aborted) abort();
  const server = buildMcpServer({ era: era.era, request, response, signal: aborted.signal }, deps);
  const transport = new RevisionTransport(era.era === 'modern' ? (result) => modernResult(era.method, result, serverInfo) : null);
  // Closing the response stream is the client's cancellation of the request (2026-07-28); it also ends the per-request server.
  response.on('close', () => {
    abort();
    deps.shutdown?.removeEventListener('abort', abort);
    void server.close();
  });
  await server.connect(transport);
  const webRequest = new globalThis.Request(`http://localhost${request.originalUrl}`, { method: 'POST', headers: headersFor(request, era) });
  const answer = await transport.handleRequest(webRequest, { parsedBody: message });
  response.status(answer.status);
  answer.headers.forEach((value, name) => response.setHeader(name, value));
  if (answer.headers.get('content-type')?.startsWith('text/event-stream')) response.setHeader('x-accel-buffering', 'no');
  if (!answer.body) {
    response.end();
    return;
  }
  const body = Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>);
  response.on('close', () => body.destroy());
  body.pipe(response);
}

/**
 * Stateless Streamable HTTP has no stream to GET and no session to DELETE: any method but POST
 * (and the CORS preflight, answered before) is a 405 with `Allow: POST`, as 2026-07-28 asks.
 */
export function refuseMcpMethods(request: Request, response: Response, next: NextFunction): void {
  if (request.method === 'POST') return next();
  const error = new AppError(
    'validation_failed',
    `${mcpPath} takes POST only: each JSON-RPC message is its own POST (stateless: no session, no GET stream)`,
    null,
    {
      status: 405,
    },
  );
  response.status(405).set('allow', 'POST').json(error.toBody());
}
