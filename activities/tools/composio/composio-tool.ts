import { z } from 'zod';
import type { ComposioToolkit } from '../../../lib/config';
import type { ToolDefinition } from '../tool';
import { clientError, failureForSdkError, failureForUnsuccessfulResult, nonRetryableErrorTypes, providerMessageOf } from '../tool-errors';
import type { ComposioSdk } from './composio-sdk';

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

/** One Composio tool behind the same interface as the built-ins, as `composio.<SLUG>`. */
export function composioToolDefinition(sdk: ComposioSdk, raw: ComposioRawTool, toolkit: ComposioToolkit | undefined): ToolDefinition {
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
    idempotent: tags.includes('readOnlyHint') || tags.includes('idempotentHint'),
    async execute(args, context) {
      if (!context.userId) throw clientError(`${name} acts for a Composio user: give the run spec a "userId"`);
      let result: Awaited<ReturnType<ComposioSdk['tools']['execute']>>;
      try {
        result = await sdk.tools.execute(
          raw.slug,
          {
            userId: context.userId,
            ...(context.connectedAccountId ? { connectedAccountId: context.connectedAccountId } : {}),
            arguments: args as Record<string, unknown>,
            ...(version ? { version } : { dangerouslySkipVersionCheck: true }),
          },
          { signal: context.signal },
        );
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        // Not an HTTP or network failure: the SDK refused the call itself (unknown account, bad version).
        throw failureForSdkError(error, name) ?? clientError(`${name}: ${providerMessageOf(error)}`, { sdkError: (error as Error).name });
      }
      if (!result.successful) {
        throw failureForUnsuccessfulResult(`${name} failed: ${result.error ?? 'Composio reported no error text'}`, { logId: result.logId ?? null, data: result.data });
      }
      return { data: result.data, logId: result.logId ?? null };
    },
  };
}
