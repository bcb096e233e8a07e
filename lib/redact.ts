/**
 * Keeps credentials out of the event log: the log is immutable and streamed to dashboards, so a
 * secret that lands in it can never be taken back. Applied by `appendEvents` to every fact.
 */

export const redactedMarker = '[REDACTED]';

/** Whether the log stored this value with secrets cut out: then it cannot stand in for the real one. */
export const hasRedactions = (value: unknown): boolean => JSON.stringify(value ?? null).includes(redactedMarker);

/** Keys whose values are credentials, whatever the tool or provider calls them. */
export const defaultSecretKeys: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-goog-api-key',
  'private-token',
  'api_key',
  'apikey',
  'api-key',
  'password',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'private_key',
];

export interface RedactOptions {
  /** Secret key names on top of `defaultSecretKeys` (FLIGHTDECK_REDACT_KEYS); they add, never replace. */
  extraKeys?: readonly string[];
}

/**
 * Keys compare case-insensitively and without `-`/`_`, so `apiKey`, `API_KEY` and `x-api-key` style
 * variants match one entry. Whole names only: `maxTokens` or `tokenCount` are not secrets.
 */
const normalizeKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

/** `Bearer <token>` / `Basic <credentials>` inside any string (headers pasted into notes, error messages). */
const credentialPattern = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;

/** GitHub tokens (`ghp_…`, `gho_…`, `ghu_…`, `ghs_…`, `ghr_…`, `github_pat_…`), as in `Authorization: token ghp_…`. */
const githubTokenPattern = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g;

/** The user info of a URL, `scheme://user:pass@host`: all of it goes, since a lone user name is often a token too. */
const urlUserInfoPattern = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/** A query parameter, `?name=value` or `&name=value`: its value goes when its name is a secret key's. */
const queryParamPattern = /([?&])([^\s=&#?]+)=([^\s&#]*)/g;

/**
 * Returns a copy of a JSON value in which every value of a secret-looking key, and inside every
 * string each `Bearer`/`Basic` credential, GitHub token, URL user info (`https://user:pass@…`) and
 * query parameter named like a secret key (`?api_key=…`, `&access_token=…`), is replaced by
 * `[REDACTED]`. Never mutates `value`.
 * Also recognises header lists: `[["Authorization", "Bearer x"]]` and `[{ name: "Authorization", value: "…" }]`.
 */
export function redactSecrets<T>(value: T, options: RedactOptions = {}): T {
  const secretKeys = new Set([...defaultSecretKeys, ...(options.extraKeys ?? [])].map(normalizeKey));
  const isSecretKey = (key: unknown) => typeof key === 'string' && secretKeys.has(normalizeKey(key));
  // null carries no secret, and keeping it tells a reader the field was empty.
  const hide = (secret: unknown) => (secret === null || secret === undefined ? secret : redactedMarker);
  const redactString = (text: string) =>
    text
      .replace(credentialPattern, (_match, scheme: string) => `${scheme} ${redactedMarker}`)
      .replace(githubTokenPattern, redactedMarker)
      .replace(urlUserInfoPattern, (_match, scheme: string) => `${scheme}${redactedMarker}@`)
      .replace(queryParamPattern, (match, separator: string, name: string, secret: string) =>
        secret !== '' && isSecretKey(safeDecode(name)) ? `${separator}${name}=${redactedMarker}` : match,
      );

  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redactString(node);
    if (Array.isArray(node)) {
      if (node.length === 2 && isSecretKey(node[0])) return [node[0], hide(node[1])];
      return node.map(walk);
    }
    if (node === null || typeof node !== 'object' || node instanceof Date) return node;
    const record = node as Record<string, unknown>;
    const headerName = record.name ?? record.key;
    return Object.fromEntries(
      Object.entries(record).map(([key, child]) => {
        const secret = isSecretKey(key) || (key === 'value' && isSecretKey(headerName));
        return [key, secret ? hide(child) : walk(child)];
      }),
    );
  };
  return walk(value) as T;
}

/**
 * Where `redactSecrets` would change `value`: the paths (`headers.Authorization`, `urls.0`) whose
 * stored form would differ from what was given. An approval gate refuses args with any (the
 * approver would see `[REDACTED]` where something else runs).
 */
export function redactedPaths(value: unknown, options: RedactOptions = {}): string[] {
  const paths: string[] = [];
  const compare = (given: unknown, stored: unknown, at: string[]) => {
    if (given === stored) return;
    if (given !== null && stored !== null && typeof given === 'object' && typeof stored === 'object' && Array.isArray(given) === Array.isArray(stored)) {
      const record = given as Record<string, unknown>;
      for (const key of Object.keys(record)) compare(record[key], (stored as Record<string, unknown>)[key], [...at, key]);
      return;
    }
    paths.push(at.length === 0 ? '(root)' : at.join('.'));
  };
  compare(value, redactSecrets(value, options), []);
  return paths;
}
