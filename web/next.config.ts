import path from 'node:path';
import type { NextConfig } from 'next';

// node_modules live in the repo root, one level up: point Turbopack and file tracing there so
// Next neither guesses the workspace root nor warns about multiple lockfiles.
const repoRoot = path.resolve(__dirname, '..');

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // The live routes follow the API's ws stream from the server with the `ws` package (and its optional natives).
  serverExternalPackages: ['ws'],
  // `npm run typecheck` checks web/ with tsc (and lint runs ESLint); the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // No page of the dashboard may be framed by another site (clickjacking of approvals, keys, sign-in).
  // The same pair as the API's /docs (lib/frame-headers.ts; test/dashboard-sign-in-guards.test.ts holds them equal).
  headers: async () => [
    {
      source: '/:path*',
      headers: [
        { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
        { key: 'X-Frame-Options', value: 'DENY' },
      ],
    },
  ],
};

export default nextConfig;
