import 'server-only';
import { z } from 'zod';

import { ServerEnv } from './env-schema';

export { ServerEnv };

export type ServerEnv = z.infer<typeof ServerEnv>;

export class InvalidEnvError extends Error {
  override readonly name = 'InvalidEnvError';
}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  const result = ServerEnv.safeParse(source);
  if (!result.success) {
    throw new InvalidEnvError(`Invalid dashboard environment:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

let cached: ServerEnv | undefined;

// Parsed on first use rather than at import, so `next build` needs no secrets; instrumentation.ts
// calls this at server start so a bad environment still fails before the first request.
export function getServerEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}

/** For server start-up only: print what is wrong with the environment and exit. */
export function exitOnInvalidServerEnv(): void {
  try {
    getServerEnv();
  } catch (error) {
    if (!(error instanceof InvalidEnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
