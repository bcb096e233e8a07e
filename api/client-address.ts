import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Which peers are proxies whose `X-Forwarded-For` is believed: the loopback addresses (a proxy on
 * the same host, such as the dashboard's or a local nginx). Express's `trust proxy` takes the same
 * setting (api/app.ts), so REST's `request.ip` and the ws upgrade's `clientAddressOf` agree.
 */
export const trustedProxies = 'loopback';

const isLoopback = (address: string): boolean => {
  const bare = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
};

/**
 * The client's address as Express computes `request.ip` under `trust proxy: loopback`: the socket's
 * peer, unless that is a trusted proxy; then the nearest address in `X-Forwarded-For` that is not.
 */
export function clientAddressOf(request: IncomingMessage): string | undefined {
  let address = request.socket.remoteAddress;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  while (address !== undefined && isLoopback(address) && forwarded.length > 0) address = forwarded.pop();
  return address;
}
