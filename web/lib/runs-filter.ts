import { z } from 'zod';
import { runStatuses, runStatusSchema } from '../../lib/events';

const one = (value: unknown) => (Array.isArray(value) ? value[0] : value);
const blankToUndefined = (value: unknown) => {
  const first = one(value);
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
};
const list = (value: unknown) =>
  (Array.isArray(value) ? value : typeof value === 'string' ? [value] : [])
    .flatMap((item: unknown) => (typeof item === 'string' ? item.split(',') : []))
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * The runs list's filters as they sit in the URL (`?status=running&tag=a&tool=builtin.echo&q=x&cursor=…`).
 * Anything unreadable is dropped rather than failing the page; the API checks again.
 */
export const RunsPageQuery = z.object({
  status: z.preprocess(list, z.array(runStatusSchema).catch([])),
  tag: z.preprocess(list, z.array(z.string().max(64)).max(20).catch([])),
  tool: z.preprocess(blankToUndefined, z.string().max(200).optional().catch(undefined)),
  q: z.preprocess(blankToUndefined, z.string().max(200).optional().catch(undefined)),
  cursor: z.preprocess(blankToUndefined, z.string().max(500).optional().catch(undefined)),
});
export type RunsPageQuery = z.infer<typeof RunsPageQuery>;

export { runStatuses };

/** The URL of the list with `changes` applied (a filter change goes back to the first page). */
export function runsHref(query: RunsPageQuery, changes: Partial<RunsPageQuery>): string {
  const next = { ...query, cursor: undefined, ...changes };
  const params = new URLSearchParams();
  for (const status of next.status) params.append('status', status);
  for (const tag of next.tag) params.append('tag', tag);
  if (next.tool) params.set('tool', next.tool);
  if (next.q) params.set('q', next.q);
  if (next.cursor) params.set('cursor', next.cursor);
  const search = params.toString();
  return search ? `/?${search}` : '/';
}
