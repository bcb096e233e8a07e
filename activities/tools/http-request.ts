import { z } from 'zod';
import { defineTool } from './tool';
import { failureForStatus, nonRetryableErrorTypes, retryableError } from './tool-errors';

const maxBodyBytes = 1024 * 1024;

const httpRequestArgs = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.json().optional(),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  const capped = text.length > maxBodyBytes ? text.slice(0, maxBodyBytes) : text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(capped);
    } catch {
      return capped;
    }
  }
  return capped;
}

/** One HTTP request; the retry decision follows the status (tool-errors.ts `failureForStatus`). */
export const httpRequestTool = defineTool({
  name: 'builtin.http_request',
  description:
    'Makes one HTTP request and returns { status, headers, body }. 429/503 are retried after Retry-After, other 5xx and timeouts with backoff; other 4xx fail the call.',
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
    const hasBody = args.body !== undefined && args.method !== 'GET' && args.method !== 'HEAD';
    let response: Response;
    try {
      response = await fetch(args.url, {
        method: args.method,
        headers: { ...(hasBody && typeof args.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...args.headers },
        body: hasBody ? (typeof args.body === 'string' ? args.body : JSON.stringify(args.body)) : undefined,
        signal,
        redirect: 'follow',
      });
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      if (timeout.aborted) throw retryableError('Timeout', `${args.method} ${args.url} timed out after ${args.timeoutMs} ms`);
      throw retryableError('NetworkError', `${args.method} ${args.url} failed: ${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}`);
    }
    const body = await readBody(response);
    if (response.status >= 400) {
      throw failureForStatus(response.status, response.headers.get('retry-after'), `${args.method} ${args.url} answered ${response.status}`, {
        status: response.status,
        body,
      });
    }
    return { status: response.status, headers: Object.fromEntries(response.headers), body };
  },
});
