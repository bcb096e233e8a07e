import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { AppError } from '../../lib/errors';
import { tokenOf, type Authenticator, type Principal } from '../auth';
import { clientAddressOf } from '../client-address';
import { authenticateThrottled } from '../failed-auth-throttle';
import { isAllowedOrigin } from '../origin-check';
import { rateLimitKey, type RateLimiter } from '../rate-limiter';

export const streamPath = '/v1/stream';

export interface UpgradeGate {
  authenticator: Authenticator;
  /** Upgrades draw from the key's budget, as REST calls do. */
  rateLimiter?: RateLimiter;
  /** Browser origins that may open a stream (a request without Origin is not a browser's). */
  allowedOrigins?: ReadonlySet<string>;
  /**
   * Takes a connection slot of the key: a release to call once the connection is gone, or null
   * when the key already holds all it may (FLIGHTDECK_WS_MAX_CONNECTIONS_PER_KEY).
   */
  admit?: (principal: Principal) => (() => void) | null;
}

/** An HTTP answer to an upgrade, with the error shape as its body. */
const httpError = (status: number, reason: string, error: AppError) => {
  const body = JSON.stringify(error.toBody());
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

/**
 * Takes the HTTP server's upgrades to `streamPath`: a browser from another origin, a bad key or a
 * key over its budget is answered with a plain HTTP status before any ws handshake; the rest
 * become sockets handed to `accept` with their principal.
 */
export function acceptStreamUpgrades(server: Server, wss: WebSocketServer, gate: UpgradeGate, accept: (socket: WebSocket, principal: Principal) => void): void {
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== streamPath) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (gate.allowedOrigins && !isAllowedOrigin(gate.allowedOrigins, request.headers.origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const upgrade = async () => {
      const principal = await authenticateThrottled(gate.authenticator, tokenOf(request, { allowQuery: true }), clientAddressOf(request));
      const waitMs = (await gate.rateLimiter?.take(rateLimitKey(principal))) ?? 0;
      if (waitMs > 0) {
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${Math.max(1, Math.ceil(waitMs / 1000))}\r\nConnection: close\r\n\r\n`);
        return;
      }
      const release = gate.admit ? gate.admit(principal) : () => undefined;
      if (!release) {
        const error = new AppError('rate_limited', 'this API key holds as many stream connections as it may on this API instance: close one first', {
          limit: 'connections_per_key',
        });
        socket.end(httpError(429, 'Too Many Requests', error));
        return;
      }
      // The client may have gone while its key was looked up (a slow database): its close has
      // fired already, so free the slot now rather than hold it for good.
      if (socket.destroyed) {
        release();
        return;
      }
      // The raw socket closes whether the handshake failed or the ws connection ended later.
      socket.once('close', release);
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, principal));
    };
    upgrade().catch((error: unknown) => {
      const status = error instanceof AppError ? error.status : 503;
      if (status === 429) {
        const { retryAfterSeconds } = (error as AppError).details as { retryAfterSeconds: number };
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retryAfterSeconds}\r\nConnection: close\r\n\r\n`);
        return;
      }
      const reason = status === 401 ? 'Unauthorized' : 'Service Unavailable';
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n\r\n`);
    });
  });
}
