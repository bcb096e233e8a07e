import { z } from 'zod';

const one = (value: unknown) => (Array.isArray(value) ? value[0] : value);
const blankToUndefined = (value: unknown) => {
  const first = one(value);
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
};

/** Tools shown on one page of the catalog: an MCP server can bring a thousand. */
export const toolsPageSize = 50;

/**
 * The tools page's place as it sits in the URL (`?q=github&provider=mcp&page=2`). Anything
 * unreadable is dropped rather than failing the page.
 */
export const ToolsPageQuery = z.object({
  q: z.preprocess(blankToUndefined, z.string().max(200).optional().catch(undefined)),
  provider: z.preprocess(blankToUndefined, z.string().max(64).optional().catch(undefined)),
  page: z.preprocess(one, z.coerce.number().int().min(1).max(100_000).catch(1).default(1)),
});
export type ToolsPageQuery = z.infer<typeof ToolsPageQuery>;

/** The URL of the tools page with `changes` applied (a filter change goes back to the first page). */
export function toolsHref(query: ToolsPageQuery, changes: Partial<ToolsPageQuery>): string {
  const next = { ...query, page: 1, ...changes };
  const params = new URLSearchParams();
  if (next.q) params.set('q', next.q);
  if (next.provider) params.set('provider', next.provider);
  if (next.page > 1) params.set('page', String(next.page));
  const search = params.toString();
  return search ? `/tools?${search}` : '/tools';
}

/**
 * The tools of the asked page, after the filters: `q` matches name or description (any case),
 * `provider` the provider. A page past the end shows the last one.
 */
export function pageOfTools<T extends { name: string; description: string; provider: string }>(tools: readonly T[], query: ToolsPageQuery) {
  const needle = query.q?.toLowerCase();
  const matching = tools.filter(
    (tool) =>
      (!query.provider || tool.provider === query.provider) &&
      (!needle || tool.name.toLowerCase().includes(needle) || tool.description.toLowerCase().includes(needle)),
  );
  const pages = Math.max(1, Math.ceil(matching.length / toolsPageSize));
  const page = Math.min(query.page, pages);
  return {
    tools: matching.slice((page - 1) * toolsPageSize, page * toolsPageSize),
    matching: matching.length,
    page,
    pages,
    providers: [...new Set(tools.map((tool) => tool.provider))].sort(),
  };
}
