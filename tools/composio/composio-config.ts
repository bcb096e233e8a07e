import { z } from 'zod';

/**
 * The Composio provider's configuration: what the worker (runs Composio tools) and the API
 * (validates and lists them, connections) read from the environment. The process env schemas
 * (worker/env.ts, api/env.ts) include `composioShape`.
 */

/** The Composio SDK's own default (`getSDKConfig` in @composio/core). */
export const composioDefaultBaseUrl = 'https://backend.composio.dev';

export interface ComposioToolkit {
  slug: string;
  /** A pinned toolkit version (`github@20251027_00`); unset means the latest, allowed outside production. */
  version?: string;
}

/** `COMPOSIO_TOOLKITS`: a comma list of `slug` or `slug@version`. */
export const composioToolkitsSchema = z
  .string()
  .optional()
  .transform((value, context): ComposioToolkit[] => {
    const toolkits: ComposioToolkit[] = [];
    for (const entry of (value ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const match = /^([a-z0-9_-]+)(?:@([A-Za-z0-9_.-]+))?$/i.exec(entry);
      if (!match?.[1]) {
        context.addIssue({ code: 'custom', message: `"${entry}" is not a toolkit slug or slug@version` });
        continue;
      }
      toolkits.push({ slug: match[1].toLowerCase(), ...(match[2] ? { version: match[2] } : {}) });
    }
    return toolkits;
  })
  .describe('Comma list of Composio toolkits whose tools are offered, `slug` or `slug@version`; production requires a version for each.');

/** A limit on Composio calls per (toolkit or tool, tenant's userId), shared by every worker (state in Postgres). */
export interface ComposioLimit {
  scope: 'toolkit' | 'tool';
  /** Toolkit slug (lowercase) or tool slug (uppercase), as Composio names them. */
  slug: string;
  /** Calls running at once. */
  concurrency?: number;
  /** Calls started per period: a token bucket of `count` tokens refilled over `perMs`. */
  rate?: { count: number; perMs: number };
}

const ratePeriodsMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `COMPOSIO_LIMITS`: `;`-separated entries `toolkit:<slug> <rule>[,<rule>]` or `tool:<SLUG> …`, rules
 * `concurrency=<n>` and `rate=<n>/<s|m|h>`; e.g. `toolkit:github rate=5/s,concurrency=2; tool:GITHUB_CREATE_AN_ISSUE concurrency=1`.
 */
export const composioLimitsSchema = z
  .string()
  .optional()
  .transform((value, context): ComposioLimit[] => {
    const limits: ComposioLimit[] = [];
    for (const entry of (value ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const match = /^(toolkit|tool):([A-Za-z0-9_-]+)\s+(\S.*)$/.exec(entry);
      if (!match?.[1] || !match[2] || !match[3]) {
        context.addIssue({ code: 'custom', message: `"${entry}" is not "toolkit:<slug> <rules>" or "tool:<SLUG> <rules>"` });
        continue;
      }
      const scope = match[1] as ComposioLimit['scope'];
      const limit: ComposioLimit = { scope, slug: scope === 'toolkit' ? match[2].toLowerCase() : match[2].toUpperCase() };
      for (const rule of match[3].split(/[\s,]+/).filter(Boolean)) {
        const concurrency = /^concurrency=(\d+)$/.exec(rule);
        const rate = /^rate=(\d+)\/(s|m|h)$/.exec(rule);
        if (concurrency?.[1] && Number(concurrency[1]) >= 1) limit.concurrency = Number(concurrency[1]);
        else if (rate?.[1] && rate[2] && Number(rate[1]) >= 1) limit.rate = { count: Number(rate[1]), perMs: ratePeriodsMs[rate[2]]! };
        else context.addIssue({ code: 'custom', message: `"${rule}" in "${entry}" is not concurrency=<n ≥ 1> or rate=<n ≥ 1>/<s|m|h>` });
      }
      limits.push(limit);
    }
    return limits;
  })
  .describe(
    'Limits on Composio calls per (toolkit or tool, user), shared by all workers: `;`-separated `toolkit:<slug> <rules>` or `tool:<SLUG> <rules>`, rules `concurrency=<n>` and `rate=<n>/<s|m|h>`.',
  );

/** Both the worker (runs Composio tools) and the API (validates and lists them) read these. */
export const composioShape = {
  /** The Composio provider is on when the key is set. */
  COMPOSIO_API_KEY: z
    .preprocess((value) => (value === '' ? undefined : value), z.string().trim().min(1).optional())
    .describe('Composio API key; the Composio tool provider is on when it is set.'),
  COMPOSIO_BASE_URL: z
    .preprocess((value) => (value === '' ? undefined : value), z.string().trim().url().default(composioDefaultBaseUrl))
    .describe('Composio API base URL.'),
  COMPOSIO_TOOLKITS: composioToolkitsSchema,
  /** Concurrency and rate limits per (toolkit or tool, userId), enforced across workers. */
  COMPOSIO_LIMITS: composioLimitsSchema,
};

export type ComposioEnv = z.infer<z.ZodObject<typeof composioShape>>;

/** A toolkit's "latest" changes under a running installation: production pins every one. */
export function unpinnedToolkitProblems(env: NodeJS.ProcessEnv): Array<{ path: string; message: string }> {
  if (env.NODE_ENV !== 'production') return [];
  const parsed = composioToolkitsSchema.safeParse(env.COMPOSIO_TOOLKITS);
  if (!parsed.success) return [];
  const unpinned = parsed.data.filter((toolkit) => !toolkit.version).map((toolkit) => toolkit.slug);
  if (unpinned.length === 0) return [];
  return [{ path: 'COMPOSIO_TOOLKITS', message: `pin a version for ${unpinned.join(', ')} (slug@version) when NODE_ENV=production` }];
}
