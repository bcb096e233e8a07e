import { ComposioConnectedAccountNotFoundError } from '@composio/core';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import type { ComposioToolkit } from './composio-config';
import type { ToolContext, ToolDefinition } from '../tool';
import {
  clientError,
  connectionRequired,
  failureForSdkError,
  failureForUnsuccessfulResult,
  limitWait,
  nonRetryableErrorTypes,
  providerMessageOf,
} from '../tool-errors';
import { isLimitWait, type ComposioLimiter, type LimitKey, type LimitSlot } from './composio-limits';
import type { ComposioSdk } from './composio-sdk';
import { composioUserIdOf, isAccountOfUser } from './composio-users';

/** A tool as the catalog (`tools.getRawComposioTools`) returns it; the fields we use. */
export interface ComposioRawTool {
  slug: string;
  name: string;
  description?: string;
  inputParameters?: Record<string, unknown>;
  toolkit?: { slug: string };
  version?: string;
  tags?: string[];
}

export const composioToolPrefix = 'composio';

const permissiveArgs = z.record(z.string(), z.unknown());

/**
 * Composio describes args in JSON Schema; zod 4 converts it, so bad args fail as ValidationError
 * before any request. A schema zod cannot convert falls back to "any object": Composio validates.
 */
function argsSchemaOf(jsonSchema: Record<string, unknown> | undefined): z.ZodType {
  if (!jsonSchema) return permissiveArgs;
  try {
    return z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return permissiveArgs;
  }
}

/** A 429 without Retry-After still holds its key this long, so the key's other calls do not pile on. */
const defaultHoldMs = 1000;

/**
 * Composio answers error code 1803 when the user has no usable (ACTIVE) connected account for the
 * toolkit — none yet, expired or revoked; the SDK turns it into ComposioConnectedAccountNotFoundError.
 */
function isMissingConnection(error: unknown): boolean {
  return error instanceof ComposioConnectedAccountNotFoundError || (error instanceof Error && error.name === 'ComposioConnectedAccountNotFoundError');
}

/** One Composio tool behind the same interface as the built-ins, as `composio.<SLUG>`. */
export function composioToolDefinition(
  sdk: ComposioSdk,
  raw: ComposioRawTool,
  toolkit: ComposioToolkit | undefined,
  limiter?: ComposioLimiter,
): ToolDefinition {
  const toolkitSlug = (raw.toolkit?.slug ?? toolkit?.slug ?? 'unknown').toLowerCase();
  const tags = raw.tags ?? [];
  // The pinned toolkit version, else the version the catalog listed (the SDK refuses "latest" for execution).
  const version = toolkit?.version ?? raw.version;
  const name = `${composioToolPrefix}.${raw.slug}`;
  return {
    name,
    description: raw.description ?? raw.name,
    inputSchema: argsSchemaOf(raw.inputParameters),
    jsonSchema: raw.inputParameters ?? { type: 'object', properties: {} },
    defaults: {
      startToCloseTimeout: '2m',
      retry: { maximumAttempts: 4, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes },
    },
    requiresApproval: false,
    readOnly: tags.includes('readOnlyHint'),
    idempotent: tags.includes('readOnlyHint') || tags.includes('idempotentHint'),
    async execute(args, context) {
      const userId = context.userId;
      if (!userId) throw clientError(`${name} acts for a Composio user: give the run spec a "userId"`);
      // Composio sees the tenant's user, never the bare id the spec gave (composio-users.ts).
      const composioUserId = composioUserIdOf(context.tenantId, userId);
      if (context.connectedAccountId)
        await checkAccountOwner(sdk, { name, userId, composioUserId, connectedAccountId: context.connectedAccountId }, context.signal);
      const keys = limiter?.keysFor(toolkitSlug, raw.slug, composioUserId) ?? [];
      const slot = limiter ? await takeSlot(limiter, keys, name, context.limitWaits) : null;
      let result: Awaited<ReturnType<ComposioSdk['tools']['execute']>>;
      try {
        result = await sdk.tools.execute(
          raw.slug,
          {
            userId: composioUserId,
            ...(context.connectedAccountId ? { connectedAccountId: context.connectedAccountId } : {}),
            arguments: args as Record<string, unknown>,
            ...(version ? { version } : { dangerouslySkipVersionCheck: true }),
          },
          { signal: context.signal },
        );
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        throw await failureOf(error, { name, toolkitSlug, userId, context, limiter, keys });
      } finally {
        await slot?.release();
      }
      if (!result.successful) {
        throw failureForUnsuccessfulResult(`${name} failed: ${result.error ?? 'Composio reported no error text'}`, {
          logId: result.logId ?? null,
          data: result.data,
        });
      }
      return { data: result.data, logId: result.logId ?? null };
    },
  };
}

/**
 * A `connectedAccountId` from the run spec must be one of the run's (tenant, user)'s accounts:
 * anything else is refused before Composio runs the tool, not retried.
 */
async function checkAccountOwner(
  sdk: ComposioSdk,
  account: { name: string; userId: string; composioUserId: string; connectedAccountId: string },
  signal: AbortSignal,
): Promise<void> {
  let owned: boolean;
  try {
    owned = await isAccountOfUser(sdk, account.composioUserId, account.connectedAccountId, signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw failureForSdkError(error, account.name) ?? clientError(`${account.name}: ${providerMessageOf(error)}`, { sdkError: (error as Error).name });
  }
  if (!owned) {
    throw clientError(`${account.name}: connected account ${account.connectedAccountId} is not an account of user ${account.userId}`, {
      userId: account.userId,
      connectedAccountId: account.connectedAccountId,
    });
  }
}

async function takeSlot(limiter: ComposioLimiter, keys: LimitKey[], name: string, waitsSoFar: number): Promise<LimitSlot> {
  const taken = await limiter.acquire(keys, waitsSoFar);
  if (!isLimitWait(taken)) return taken;
  const why = taken.reason === 'held' ? 'held after a 429' : taken.reason === 'rate' ? 'over its rate limit' : 'at its concurrency limit';
  throw limitWait(`${name} waits: ${taken.key} is ${why}; next try in ${taken.waitMs} ms`, taken);
}

interface FailureContext {
  name: string;
  toolkitSlug: string;
  userId: string;
  context: ToolContext;
  limiter?: ComposioLimiter;
  keys: LimitKey[];
}

/** The failure-table entry for an error the SDK threw; a 429 also holds the call's keys for every worker. */
async function failureOf(error: unknown, { name, toolkitSlug, userId, context, limiter, keys }: FailureContext) {
  if (isMissingConnection(error)) {
    return connectionRequired(`${name}: ${providerMessageOf(error)}`, { toolkit: toolkitSlug, userId, connectedAccountId: context.connectedAccountId ?? null });
  }
  // Not an HTTP or network failure: the SDK refused the call itself (bad version, bad args).
  const failure = failureForSdkError(error, name) ?? clientError(`${name}: ${providerMessageOf(error)}`, { sdkError: (error as Error).name });
  if (limiter && failure.type === 'RateLimited') {
    const delay = failure.nextRetryDelay;
    await limiter.hold(keys, delay === undefined || delay === null ? defaultHoldMs : msToNumber(delay));
  }
  return failure;
}
