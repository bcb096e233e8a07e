import type { IncomingHttpHeaders } from 'node:http';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP revisions `/v1/mcp` speaks. The SDK (1.32.2) implements the handshake revisions up to
 * 2025-11-25 ("legacy" in the 2026-07-28 spec). 2026-07-28 ("modern": no initialize, the version and
 * the client's capabilities in each request's `_meta`, mirrored headers) is checked here, before the
 * SDK sees the request, and then served by the same stateless SDK server under its latest revision,
 * with the result fields 2026-07-28 adds (docs/tools.md says what is and is not covered).
 */
export const modernRevision = '2026-07-28';
export const supportedRevisions: readonly string[] = [modernRevision, ...SUPPORTED_PROTOCOL_VERSIONS];
/** What the SDK is told a modern request speaks: its own latest revision, whose methods and shapes the modern ones keep. */
export const sdkRevisionForModern = LATEST_PROTOCOL_VERSION;

/** The methods a modern request may name; anything else is a 404 with -32601, as 2026-07-28 asks. */
export const modernMethods = new Set(['server/discover', 'tools/list', 'tools/call', 'resources/list', 'resources/read', 'resources/templates/list']);
/** Results 2026-07-28 marks cacheable (`ttlMs`, `cacheScope`). */
const cacheableMethods = new Set(['tools/list', 'resources/list', 'resources/read', 'resources/templates/list', 'server/discover']);

export const errorCodes = { headerMismatch: -32020, unsupportedProtocolVersion: -32022, methodNotFound: -32601 } as const;

/** A JSON-RPC error to answer at once, with its HTTP status. */
export interface Refusal {
  status: number;
  error: { code: number; message: string; data?: unknown };
}

export type Era = { era: 'legacy' } | { era: 'modern'; method: string };

interface JsonRpcMessage {
  id?: unknown;
  method?: unknown;
  params?: { name?: unknown; uri?: unknown; _meta?: Record<string, unknown> };
}

const headerOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** `=?base64?…?=` (the 2026-07-28 sentinel for values that are not plain ASCII) decoded; other values as they are. */
export function decodeHeaderValue(value: string): string {
  const encoded = /^=\?base64\?(.*)\?=$/.exec(value);
  return encoded ? Buffer.from(encoded[1]!, 'base64').toString('utf8') : value;
}

const mismatch = (message: string): Refusal => ({ status: 400, error: { code: errorCodes.headerMismatch, message: `Header mismatch: ${message}` } });

/**
 * Which revision a POST speaks, or why it is refused. A request with neither the 2026-07-28 header
 * nor a per-request version is a handshake-era one and goes to the SDK as it is (a missing header
 * is the SDK's default revision). An unknown version is a 400 UnsupportedProtocolVersion listing
 * ours; a 2026-07-28 request whose headers and body disagree (version, `Mcp-Method`, `Mcp-Name`)
 * is a 400 HeaderMismatch; a method 2026-07-28 does not have here is a 404.
 */
export function classifyRequest(headers: IncomingHttpHeaders, body: unknown): Era | Refusal {
  const headerVersion = headerOf(headers, 'mcp-protocol-version');
  const message = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as JsonRpcMessage;
  const metaVersion = message.params?._meta?.['io.modelcontextprotocol/protocolVersion'];
  const requested = headerVersion ?? (typeof metaVersion === 'string' ? metaVersion : undefined);
  if (requested !== undefined && !supportedRevisions.includes(requested)) {
    return {
      status: 400,
      error: { code: errorCodes.unsupportedProtocolVersion, message: 'Unsupported protocol version', data: { supported: supportedRevisions, requested } },
    };
  }
  if (metaVersion !== undefined && metaVersion !== headerVersion) {
    return mismatch(`MCP-Protocol-Version ${headerVersion ?? '(missing)'} does not match _meta io.modelcontextprotocol/protocolVersion ${String(metaVersion)}`);
  }
  if (headerVersion !== modernRevision) return { era: 'legacy' };
  if (Array.isArray(body) || typeof message.method !== 'string') return mismatch('the body is not one JSON-RPC request');
  // 2026-07-28 defines no client notifications over HTTP; one that comes is accepted (202) as the SDK does.
  if (message.id === undefined) return { era: 'modern', method: message.method };
  if (metaVersion === undefined) return mismatch('_meta io.modelcontextprotocol/protocolVersion is missing');
  const methodHeader = headerOf(headers, 'mcp-method');
  if (methodHeader !== message.method) return mismatch(`Mcp-Method ${methodHeader ?? '(missing)'} does not match method ${message.method}`);
  const named = message.method === 'tools/call' ? message.params?.name : message.method === 'resources/read' ? message.params?.uri : undefined;
  if (named !== undefined) {
    const nameHeader = headerOf(headers, 'mcp-name');
    if (nameHeader === undefined || decodeHeaderValue(nameHeader) !== named) {
      return mismatch(`Mcp-Name ${nameHeader ?? '(missing)'} does not match ${message.method === 'tools/call' ? 'params.name' : 'params.uri'}`);
    }
  }
  if (!modernMethods.has(message.method)) {
    return { status: 404, error: { code: errorCodes.methodNotFound, message: `Method not found: ${message.method}` } };
  }
  return { era: 'modern', method: message.method };
}

export const isRefusal = (value: Era | Refusal): value is Refusal => 'status' in value;

/** The result fields 2026-07-28 adds: `resultType`, the server in `_meta`, and cache hints on cacheable results. */
export function modernResult(method: string, result: Record<string, unknown>, serverInfo: { name: string; version: string }): Record<string, unknown> {
  const meta = (result._meta ?? {}) as Record<string, unknown>;
  return {
    ...result,
    resultType: 'complete',
    // Every answer depends on the API key (tenant, role): no shared cache may keep it; lists of runs change at any time.
    ...(cacheableMethods.has(method) ? { ttlMs: method === 'tools/list' || method === 'server/discover' ? 60_000 : 0, cacheScope: 'private' } : {}),
    _meta: { ...meta, 'io.modelcontextprotocol/serverInfo': serverInfo },
  };
}
