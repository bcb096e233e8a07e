import fc from 'fast-check';
import { defaultSecretKeys, redactedMarker, redactedPaths, redactSecrets } from './redact';

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
    'X-Auth-Token',
    'PRIVATE-TOKEN',
    'x-goog-api-key',
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

  it('redacts GitHub tokens, URL user info and secret query parameters inside strings', () => {
    expect(
      redactSecrets({
        header: 'Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345',
        pat: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
        clone: 'git clone https://ann:hunter2@git.example.com/repo.git',
        proxy: 'http://ghs_tok@proxy.example:8080',
        search: 'GET https://api.example.com/v1/items?api_key=k-123&q=cats#top',
        callback: 'see https://x.example/cb?state=s1&access_token=at.456 now',
        encoded: 'https://x.example/?API%5FKEY=k2&page=2',
      }),
    ).toEqual({
      header: `Authorization: token ${R}`,
      pat: R,
      clone: `git clone https://${R}@git.example.com/repo.git`,
      proxy: `http://${R}@proxy.example:8080`,
      search: `GET https://api.example.com/v1/items?api_key=${R}&q=cats#top`,
      callback: `see https://x.example/cb?state=s1&access_token=${R} now`,
      encoded: `https://x.example/?API%5FKEY=${R}&page=2`,
    });
    const plain = { url: 'https://example.com/a?page=2&tokens=3', mail: 'ann@example.com', note: 'ghp_short', text: 'a token of thanks' };
    expect(redactSecrets(plain)).toEqual(plain);
  });
});

describe('redactSecrets, as a property', () => {
  const secretKeyNames = new Set(defaultSecretKeys.map((key) => key.toLowerCase().replace(/[-_]/g, '')));
  const looksSecret = (text: string) => secretKeyNames.has(text.toLowerCase().replace(/[-_]/g, '')) || /bearer|basic/i.test(text);
  /** Words, numbers and booleans that are no secret in any form: they must come out as they went in. */
  const plainText = fc.stringMatching(/^[a-z0-9 .,:/-]{0,16}$/).filter((text) => !looksSecret(text));
  const plainKey = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,10}$/).filter((key) => !looksSecret(key));
  const plainLeaf = fc.oneof(plainText, fc.integer(), fc.boolean(), fc.constant(null));
  /** A secret's value: unique enough that finding it anywhere in the output means it survived. */
  const secretValue = fc.stringMatching(/^[A-Za-z0-9]{24,36}$/).map((tail) => `S3cr3t${tail}`);
  const secretHeader = fc.constantFrom(
    'X-Auth-Token',
    'x-auth-token',
    'PRIVATE-TOKEN',
    'Private-Token',
    'x-goog-api-key',
    'X-Goog-Api-Key',
    'Authorization',
    'api_key',
    'accessToken',
  );

  interface Case {
    input: unknown;
    expected: unknown;
    secrets: string[];
  }
  const plain = (value: unknown): Case => ({ input: value, expected: value, secrets: [] });
  /** A string with a secret in one of the forms redaction knows, within plain text, and the string as redaction must leave it. */
  const secretInText: fc.Arbitrary<Case> = fc
    .tuple(
      secretValue,
      plainText,
      plainText,
      fc.constantFrom<(secret: string) => [string, string]>(
        (secret) => [`https://user:${secret}@db.example.com/x`, `https://${R}@db.example.com/x`],
        (secret) => [`postgres://${secret}@10.0.0.1:5432/db`, `postgres://${R}@10.0.0.1:5432/db`],
        (secret) => [`https://api.example.com/v1?api_key=${secret}&q=1`, `https://api.example.com/v1?api_key=${R}&q=1`],
        (secret) => [`https://api.example.com/cb?x=1&access_token=${secret}`, `https://api.example.com/cb?x=1&access_token=${R}`],
        (secret) => [`token ghp_${secret}`, `token ${R}`],
        (secret) => [`Bearer ${secret}`, `Bearer ${R}`],
      ),
    )
    .map(([secret, before, after, form]) => {
      const [text, redacted] = form(secret);
      return { input: `${before} ${text} ${after}`, expected: `${before} ${redacted} ${after}`, secrets: [secret] };
    });

  const { tree } = fc.letrec<{ tree: Case; node: Case }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, plainLeaf.map(plain), secretInText, tie('node')),
    node: fc.oneof(
      // An object: plain keys over subtrees, and perhaps a secret header over a plain or structured value.
      fc
        .tuple(fc.uniqueArray(fc.tuple(plainKey, tie('tree')), { maxLength: 4, selector: ([key]) => key }), fc.option(fc.tuple(secretHeader, secretValue)))
        .map(([entries, header]) => {
          const cases = entries.map(([, child]) => child);
          const input = Object.fromEntries(entries.map(([key, child]) => [key, child.input]));
          const expected = Object.fromEntries(entries.map(([key, child]) => [key, child.expected]));
          const secrets = cases.flatMap((child) => child.secrets);
          if (header) {
            const [name, secret] = header;
            input[name] = secret;
            expected[name] = R;
            secrets.push(secret);
          }
          return { input, expected, secrets };
        }),
      // An array of subtrees (length ≠ 2 with a secret name first is a header pair, kept plain by plainText's filter).
      fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({
        input: items.map((item) => item.input),
        expected: items.map((item) => item.expected),
        secrets: items.flatMap((item) => item.secrets),
      })),
    ),
  }));

  it('no secret in a known form survives, at any depth, and everything else is unchanged', () => {
    fc.assert(
      fc.property(tree, ({ input, expected, secrets }) => {
        const redacted = redactSecrets(input);
        expect(redacted).toEqual(expected);
        const text = JSON.stringify(redacted);
        for (const secret of secrets) expect(text).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });
});

describe('redactedPaths', () => {
  it('names every path redaction would change, and none for args without secrets', () => {
    expect(redactedPaths({ message: 'hi', n: 1, list: [{ a: null }] })).toEqual([]);
    expect(
      redactedPaths(
        { url: 'https://x.test/?api_key=k', headers: { Authorization: 'Bearer abc' }, pairs: [['token', 't']], note: 'ok', sessionRef: 's' },
        { extraKeys: ['session-ref'] },
      ),
    ).toEqual(['url', 'headers.Authorization', 'pairs.0.1', 'sessionRef']);
  });
});
