import Link from 'next/link';
import { runStatuses, type RunsPageQuery } from '@/lib/runs-filter';

/** A plain GET form: the filters live in the URL, so a filtered list can be shared and reloaded. */
export function RunsFilters({ query, toolNames }: { query: RunsPageQuery; toolNames: string[] }) {
  return (
    <form
      method="get"
      action="/"
      role="search"
      aria-label="Filter runs"
      className="card mb-4 grid gap-3 p-3 sm:grid-cols-2 lg:grid-cols-[1fr_10rem_10rem_12rem_auto]"
    >
      <div>
        <label htmlFor="filter-q" className="label">
          Name contains
        </label>
        <input id="filter-q" name="q" type="search" defaultValue={query.q ?? ''} placeholder="e.g. nightly" className="input" />
      </div>
      <div>
        <label htmlFor="filter-status" className="label">
          Status
        </label>
        <select id="filter-status" name="status" defaultValue={query.status[0] ?? ''} className="input">
          <option value="">Any</option>
          {runStatuses.map((status) => (
            <option key={status} value={status}>
              {status.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="filter-tag" className="label">
          Tag
        </label>
        <input id="filter-tag" name="tag" defaultValue={query.tag.join(',')} placeholder="ops,nightly" className="input" />
      </div>
      <div>
        <label htmlFor="filter-tool" className="label">
          Uses tool
        </label>
        <select id="filter-tool" name="tool" defaultValue={query.tool ?? ''} className="input">
          <option value="">Any</option>
          {toolNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div className="flex items-end gap-2">
        <button type="submit" className="btn btn-primary">
          Filter
        </button>
        <Link href="/" className="btn">
          Clear
        </Link>
      </div>
    </form>
  );
}
