import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AddressRefusedError, guardedLookup, refusalFor, type NetworkPolicy } from '../network-guard';

/**
 * A `fetch` for the Streamable HTTP transport of a tenant's MCP server: it connects only to
 * addresses the network policy allows (FLIGHTDECK_HTTP_ALLOW, as builtin.http_request), judged on
 * the address it connects to, and follows no redirect (a 3xx comes back as it is), so a server
 * cannot point the worker at its own machine or the private network. Response bodies stream
 * (the transport reads server-sent events from them).
 */
export function guardedFetch(policy: NetworkPolicy): FetchLike {
  const lookup = guardedLookup(policy);
  return async (input, init = {}) => {
    const url = new URL(input);
    // Node resolves nothing for an IP literal (the lookup is skipped): judge it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literalRefusal = isIP(host) ? refusalFor(policy, host, host) : null;
    if (literalRefusal) throw new AddressRefusedError(literalRefusal);
    const body = requestBody(init.body);
    const method = init.method ?? 'GET';
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = transport.request(
        url,
        { method, headers: Object.fromEntries(new Headers(init.headers)), lookup, signal: init.signal ?? undefined, agent: false },
        (incoming) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const each of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, each);
          }
          const status = incoming.statusCode ?? 502;
          const empty = method === 'HEAD' || status === 204 || status === 304;
          if (empty) incoming.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), {
              status,
              statusText: incoming.statusMessage ?? '',
              headers,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}

/** The transport sends JSON text; nothing else is expected of it. */
function requestBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('guardedFetch sends string or byte bodies only');
}
