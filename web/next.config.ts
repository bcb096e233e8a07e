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
};

export default nextConfig;
