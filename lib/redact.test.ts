import { redactedMarker, redactSecrets } from './redact';

const R = redactedMarker;

describe('redactSecrets', () => {
  it('redacts secret keys at any depth, in objects and arrays', () => {
    const value = {
      request: { headers: { Authorization: 'Bearer abc', 'X-Api-Key': 'k1', accept: 'json' }, body: { password: 'p', user: 'ann' } },
      accounts: [
        { token: 't1', id: 1 },
        { refresh_token: { nested: 'r1' }, id: 2 },
      ],
    };
    expect(redactSecrets(value)).toEqual({
      request: { headers: { Authorization: R, 'X-Api-Key': R, accept: 'json' }, body: { password: R, user: 'ann' } },
      accounts: [
        { token: R, id: 1 },
        { refresh_token: R, id: 2 },
      ],
    });
  });

  it.each([
    'authorization',
    'AUTHORIZATION',
    'Proxy-Authorization',
    'Set-Cookie',
    'cookie',
    'apiKey',
    'API_KEY',
    'api-key',
    'apikey',
    'x-api-key',
    'Secret',
    'accessToken',
    'ACCESS_TOKEN',
    'clientSecret',
    'private_key',
    'PrivateKey',
  ])('matches the key %s whatever its case and separators', (key) => {
    expect(redactSecrets({ [key]: 'value' })).toEqual({ [key]: R });
  });

  it('leaves non-secret keys and values alone, including look-alike names', () => {
    const value = { message: 'hi', maxTokens: 100, tokenCount: 3, secretary: 'Jo', cookies_enabled: true, count: 0, nothing: null, list: [1, 'two'] };
    expect(redactSecrets(value)).toEqual(value);
  });

  it('redacts header lists as pairs and as name/value objects', () => {
    expect(
      redactSecrets({
        headers: [
          ['Authorization', 'Bearer x'],
          ['Accept', 'text/plain'],
        ],
      }),
    ).toEqual({
      headers: [
        ['Authorization', R],
        ['Accept', 'text/plain'],
      ],
    });
    expect(
      redactSecrets([
        { name: 'Cookie', value: 'sid=1' },
        { key: 'api_key', value: 'k' },
        { name: 'Accept', value: '*/*' },
      ]),
    ).toEqual([
      { name: 'Cookie', value: R },
      { key: 'api_key', value: R },
      { name: 'Accept', value: '*/*' },
    ]);
  });

  it('redacts Bearer and Basic credentials inside strings, keeping the rest of the text', () => {
    expect(redactSecrets({ note: 'token is Bearer sk-live-789, use it', raw: 'authorization: basic dXNlcjpwYXNz==' })).toEqual({
      note: `token is Bearer ${R}, use it`,
      raw: `authorization: basic ${R}`,
    });
    expect(redactSecrets('Bearer a.b.c Bearer d')).toBe(`Bearer ${R} Bearer ${R}`);
  });

  it('redacts configured extra keys, on top of the built-in ones', () => {
    const value = { 'x-session-token': 's', stripe_key: 'k', password: 'p', other: 'o' };
    expect(redactSecrets(value, { extraKeys: ['X-Session-Token', 'stripeKey'] })).toEqual({ 'x-session-token': R, stripe_key: R, password: R, other: 'o' });
  });

  it('keeps nulls (nothing to hide) and redacts whole structured values', () => {
    expect(redactSecrets({ token: null, secret: { a: 1 }, password: 0 })).toEqual({ token: null, secret: R, password: R });
  });

  it('does not mutate its input', () => {
    const value = { headers: { Authorization: 'Bearer x' }, pairs: [['cookie', 'c']], note: 'Bearer y' };
    const copy = structuredClone(value);
    const redacted = redactSecrets(value);
    expect(value).toEqual(copy);
    expect(redacted).not.toBe(value);
    expect(redacted.headers).not.toBe(value.headers);
  });
});
