/**
 * Headers that keep a page out of other sites' frames (clickjacking): the dashboard's pages
 * (web/next.config.ts) and the API's /docs send them. `frame-ancestors` for browsers that read
 * CSP, `X-Frame-Options` for the others.
 */
export const noFramingHeaders: ReadonlyArray<{ key: string; value: string }> = [
  { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
  { key: 'X-Frame-Options', value: 'DENY' },
];
