import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { connectionSchema } from '../../lib/api-client/schemas';
import type { ComposioSdk } from '../../tools/composio/composio-sdk';
import { failureForSdkError, providerMessageOf } from '../../tools/tool-errors';
import { AppError } from '../../lib/errors';
import type { InFlight } from '../../lib/in-flight';

export interface ConnectionDeps {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
  /** Null when the Composio provider is off (no COMPOSIO_API_KEY). */
  composio: ComposioSdk | null;
  log: Logger;
}

/** A connected account as the API shows it: the typed client's wire shape. */
export type ConnectionView = z.input<typeof connectionSchema>;

/** The Composio SDK; a 409 while the provider is off. */
export function sdkOf(deps: Pick<ConnectionDeps, 'composio'>): ComposioSdk {
  if (!deps.composio) throw new AppError('conflict', 'the Composio provider is off: set COMPOSIO_API_KEY');
  return deps.composio;
}

/** Composio's answer as our error: its 4xx is the caller's (422 with its message), the rest is upstream trouble. */
export function upstreamError(error: unknown, action: string): AppError {
  const failure = failureForSdkError(error, `Composio ${action}`);
  const message = `Composio ${action}: ${providerMessageOf(error)}`;
  if (failure?.type === 'RateLimited') return new AppError('rate_limited', message);
  if (!failure || failure.type === 'ClientError') return new AppError('validation_failed', message, [], { status: 422 });
  return new AppError('unavailable', message, { errorClass: failure.type });
}
