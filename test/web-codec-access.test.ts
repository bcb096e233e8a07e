/**
 * The dashboard's codec endpoint's rules as functions (web/lib/codec-access.ts) and its one
 * setting, TEMPORAL_UI_ORIGIN (web/lib/env-schema.ts); test/temporal-ui-codec.test.ts drives them
 * from the real Web UI.
 */
import { codecAccess } from '../web/lib/codec-access';
import { ServerEnv } from '../web/lib/env-schema';

describe('TEMPORAL_UI_ORIGIN', () => {
  const originOf = (value: string | undefined) => ServerEnv.safeParse({ TEMPORAL_UI_ORIGIN: value });

  it("defaults to npm start's dev server Web UI, and keeps an origin as browsers send it", () => {
    expect(originOf(undefined).data?.TEMPORAL_UI_ORIGIN).toBe('http://localhost:8233');
    expect(originOf('').data?.TEMPORAL_UI_ORIGIN).toBe('http://localhost:8233');
    expect(originOf('https://temporal.example.com/').data?.TEMPORAL_UI_ORIGIN).toBe('https://temporal.example.com');
    expect(originOf('HTTPS://Temporal.Example.com:443').data?.TEMPORAL_UI_ORIGIN).toBe('https://temporal.example.com');
  });

  it('refuses a URL with a path (the codec endpoint pasted by mistake) and a non-http scheme', () => {
    expect(originOf('http://localhost:3000/api/codec').error?.issues[0]?.message).toMatch(/must be an origin/);
    expect(originOf('ftp://temporal.example.com').error?.issues[0]?.message).toMatch(/http\(s\) origin/);
  });
});

describe('codecAccess', () => {
  const webUi = 'http://localhost:8233';

  it("answers the Web UI's origin with CORS for credentials, and no other", () => {
    expect(codecAccess(webUi, webUi)).toEqual({
      allowed: true,
      cors: { 'access-control-allow-origin': webUi, 'access-control-allow-credentials': 'true', vary: 'Origin' },
    });
    for (const other of ['http://localhost:3000', 'http://127.0.0.1:8233', 'null', 'https://localhost:8233']) {
      expect(codecAccess(other, webUi)).toEqual({ allowed: false, message: expect.stringContaining(`origin ${other} may not`) });
    }
  });

  it('lets a request without Origin (not a browser page) through without CORS headers', () => {
    expect(codecAccess(null, webUi)).toEqual({ allowed: true, cors: {} });
  });
});
