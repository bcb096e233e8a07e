/**
 * The sign-in form's guards, kept free of Next so they can be tested alone: where `next` may send
 * the browser, and whether a POST comes from the dashboard's own pages.
 */

/**
 * `next` as a same-origin path, or null: one leading `/`, then no `/` or `\` right after it (browsers
 * read `//host` and `/\host` as another host), no backslash anywhere, no control characters or spaces.
 */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== 'string' || next.length > 2000) return null;
  if (!/^\/(?![/\\])[^\s\\\p{Cc}]*$/u.test(next)) return null;
  return next;
}

/**
 * Whether a state-changing request comes from a page of this origin (CSRF): the browser's `Origin`
 * must be the host the request was sent to, or, without `Origin`, `Sec-Fetch-Site` must say
 * same-origin. A request with neither (not a browser's) passes; a cookie is only at stake in a browser.
 */
export function isSameOriginRequest(headers: Headers): boolean {
  const origin = headers.get('origin');
  const host = headers.get('x-forwarded-host') ?? headers.get('host');
  if (origin !== null) {
    if (origin === 'null' || !host) return false;
    try {
      return new URL(origin).host === host.split(',')[0]?.trim();
    } catch {
      return false;
    }
  }
  const site = headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || site === 'none';
}
