/**
 * The dashboard's sign-in guards and anti-framing headers, as functions (web/lib/sign-in-guards.ts,
 * web/next.config.ts), and the API's /docs headers over HTTP.
 */
import path from 'node:path';
import { noFramingHeaders } from '../lib/frame-headers';
import { isSameOriginRequest, safeNextPath } from '../web/lib/sign-in-guards';
import { useTestStack } from './stack';

describe('the sign-in redirect (safeNextPath)', () => {
  it.each(['/', '/runs', '/runs/run_1?tab=events#top', '/approvals?status=pending', '/a/b%2Fc'])('keeps the same-origin path %s', (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([
    '/\\evil.com',
    '/\\/evil.com',
    '//evil.com',
    '///evil.com',
    '/runs\\..\\x',
    'https://evil.com',
    'javascript:alert(1)',
    'evil.com',
    '',
    ' /runs',
    '/\tevil',
    '/runs\nLocation: x',
    '/ok\u0000',
    '/with space',
  ])('refuses %j', (path) => {
    expect(safeNextPath(path)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(safeNextPath(undefined)).toBeNull();
    expect(safeNextPath(['/runs'])).toBeNull();
  });
});

describe('the sign-in POST origin check (isSameOriginRequest)', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it('lets the dashboard’s own pages and non-browser clients post', () => {
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', origin: 'http://dash.example:3000' }))).toBe(true);
    expect(isSameOriginRequest(headers({ host: 'internal:3000', 'x-forwarded-host': 'dash.example', origin: 'https://dash.example' }))).toBe(true);
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', 'sec-fetch-site': 'same-origin' }))).toBe(true);
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000' }))).toBe(true);
  });

  it('refuses posts from another site', () => {
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', origin: 'https://evil.example' }))).toBe(false);
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', origin: 'http://dash.example:3001' }))).toBe(false);
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', origin: 'null' }))).toBe(false);
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', 'sec-fetch-site': 'cross-site' }))).toBe(false);
    expect(isSameOriginRequest(headers({ host: 'dash.example:3000', 'sec-fetch-site': 'same-site' }))).toBe(false);
  });
});

describe('framing', () => {
  it('the dashboard sends frame-ancestors none and X-Frame-Options DENY on every page', async () => {
    // Loaded by path, not imported: an import would bring Next's global types (a required
    // NODE_ENV in process.env) into the server project's typecheck.
    const configPath = path.join(__dirname, '..', 'web', 'next.config');
    const nextConfig = (
      (await import(configPath)) as { default: { headers?: () => Promise<Array<{ source: string; headers: Array<{ key: string; value: string }> }>> } }
    ).default;
    const rules = (await nextConfig.headers?.()) ?? [];
    const all = rules.find((rule) => rule.source === '/:path*');
    expect(all?.headers).toEqual(noFramingHeaders);
  });

  describe('the API’s /docs', () => {
    const stack = useTestStack();
    it('sends the same headers', async () => {
      const response = await fetch(`${stack.apiUrl}/docs`);
      expect(response.status).toBe(200);
      for (const { key, value } of noFramingHeaders) expect(response.headers.get(key)).toBe(value);
    });
  });
});
