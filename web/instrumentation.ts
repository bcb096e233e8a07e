// Runs once when a Next.js server starts. Validating the environment here makes a missing
// FLIGHTDECK_API_KEY stop `next start` / `next dev` with a readable list, instead of a server that
// reports "Ready" and then answers every request with a 500.
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { exitOnInvalidServerEnv } = await import('./lib/env');
    exitOnInvalidServerEnv();
  }
}
