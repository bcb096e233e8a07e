import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { z } from 'zod';
import { AddressRefusedError, denyPrivateNetworks, guardedLookup, refusalFor, type NetworkPolicy } from './network-guard';
import { defineTool, type ToolDefinition } from './tool';
import { clientError, failureForStatus, nonRetryableErrorTypes, retryableError } from './tool-errors';
import { FailureType } from '../lib/failure-types';

const maxBodyBytes = 1024 * 1024;
const maxRedirects = 5;

const httpRequestArgs = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.json().optional(),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();
type HttpRequestArgs = z.infer<typeof httpRequestArgs>;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

function parseBody(response: RawResponse): unknown {
  if ((response.headers['content-type'] ?? '').includes('json')) {
    try {
      return JSON.parse(response.text);
    } catch {
      return response.text;
    }
  }
  return response.text;
}

/** One request, no redirect following; connects only to addresses the policy allows. */
function send(
  url: URL,
  request: { method: string; headers: Record<string, string>; body?: string },
  policy: NetworkPolicy,
  signal: AbortSignal,
): Promise<RawResponse> {
  // Node resolves nothing for an IP literal (the lookup is skipped): judge it here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literalRefusal = isIP(host) ? refusalFor(policy, host, host) : null;
  if (literalRefusal) return Promise.reject(new AddressRefusedError(literalRefusal));
  const lookup = guardedLookup(policy);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(url, { method: request.method, headers: request.headers, lookup, signal, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        if (size >= maxBodyBytes) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      incoming.on('error', reject);
      incoming.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: incoming.statusCode ?? 0, headers, text: Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8') });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Follows redirects by hand, so every hop's address goes through the policy. */
async function requestFollowingRedirects(args: HttpRequestArgs, policy: NetworkPolicy, signal: AbortSignal): Promise<RawResponse> {
  const hasBody = args.body !== undefined && args.method !== 'GET' && args.method !== 'HEAD';
  let url = new URL(args.url);
  let method: string = args.method;
  let body = hasBody ? (typeof args.body === 'string' ? args.body : JSON.stringify(args.body)) : undefined;
  let headers: Record<string, string> = { ...(hasBody && typeof args.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...args.headers };
  for (let hop = 0; ; hop += 1) {
    const response = await send(url, { method, headers, body }, policy, signal);
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    if (hop >= maxRedirects) throw clientError(`${args.method} ${args.url}: more than ${maxRedirects} redirects`);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw clientError(`${args.method} ${args.url}: redirect to a non-http(s) URL`);
    // As fetch does: 303 (and 301/302 after POST) become a GET without a body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
    }
    // Credentials are for the origin they were given to.
    if (next.origin !== url.origin) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !['authorization', 'cookie', 'proxy-authorization'].includes(name.toLowerCase())),
      );
    }
    url = next;
  }
}

/** One HTTP request; the retry decision follows the status (tool-errors.ts `failureForStatus`). */
export function createHttpRequestTool(policy: NetworkPolicy = denyPrivateNetworks): ToolDefinition {
  return defineTool({
    name: 'builtin.http_request',
    description:
      'Makes one HTTP request and returns { status, headers, body }. 429/503 are retried after Retry-After, other 5xx and timeouts with backoff; other 4xx fail the call. Loopback, private, link-local and metadata addresses are refused unless allowed.',
    inputSchema: httpRequestArgs,
    defaults: {
      startToCloseTimeout: '2m',
      retry: { maximumAttempts: 4, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes },
    },
    requiresApproval: false,
    idempotent: false,
    async execute(args, context) {
      const timeout = AbortSignal.timeout(args.timeoutMs);
      const signal = AbortSignal.any([context.signal, timeout]);
      let response: RawResponse;
      try {
        response = await requestFollowingRedirects(args, policy, signal);
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        if (error instanceof AddressRefusedError) throw clientError(`${args.method} ${args.url} refused: ${error.message}`);
        if (timeout.aborted) throw retryableError(FailureType.Timeout, `${args.method} ${args.url} timed out after ${args.timeoutMs} ms`);
        if (error instanceof Error && error.name === 'ApplicationFailure') throw error;
        throw retryableError(FailureType.NetworkError, `${args.method} ${args.url} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const body = parseBody(response);
      if (response.status >= 400) {
        throw failureForStatus(response.status, response.headers['retry-after'] ?? null, `${args.method} ${args.url} answered ${response.status}`, {
          status: response.status,
          body,
        });
      }
      return { status: response.status, headers: response.headers, body };
    },
  });
}
