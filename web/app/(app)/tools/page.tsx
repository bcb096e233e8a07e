import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { EmptyState, JsonBlock, PageHeader } from '@/components/ui/page-header';
import type { Tool } from '@/lib/api';
import { requireSession } from '@/lib/session';
import { pageOfTools, toolsHref, ToolsPageQuery } from '@/lib/tools-page';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Tools' };

export default async function ToolsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = ToolsPageQuery.parse(await searchParams);
  const session = await requireSession();
  let tools: Tool[];
  try {
    tools = await session.client.listTools();
  } catch (error) {
    return (
      <>
        <PageHeader title="Tools" />
        <ApiErrorNotice error={error} what="the tool catalog" />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Tools" description="What steps and agents can call, with the args each takes and its default retry policy." />
      {tools.length === 0 ? (
        <EmptyState title="No tools">
          <p>
            The built-in tools should always be here; check the API&apos;s log. Composio tools appear when COMPOSIO_API_KEY and COMPOSIO_TOOLKITS are set, MCP
            servers&apos; tools when FLIGHTDECK_MCP_SERVERS names them.
          </p>
        </EmptyState>
      ) : (
        <ToolList tools={tools} query={query} />
      )}
    </>
  );
}

/** One page of the catalog, with a name/description filter and a provider filter (a plain GET form: no script needed). */
function ToolList({ tools: all, query }: { tools: Tool[]; query: ToolsPageQuery }) {
  const { tools, matching, page, pages, providers } = pageOfTools(all, query);
  return (
    <>
      <form method="get" action="/tools" className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Filter tools">
        <label className="flex flex-col text-sm">
          Name or description
          <input name="q" type="search" defaultValue={query.q ?? ''} className="input" />
        </label>
        <label className="flex flex-col text-sm">
          Provider
          <select name="provider" defaultValue={query.provider ?? ''} className="input">
            <option value="">all</option>
            {providers.map((provider) => (
              <option key={provider} value={provider}>
                {provider}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      <p className="muted mb-2 text-sm" data-tools-count={matching}>
        {matching === all.length ? `${all.length} tools` : `${matching} of ${all.length} tools`}
        {pages > 1 ? `, page ${page} of ${pages}` : ''}
      </p>
      {tools.length === 0 ? (
        <EmptyState title="No tool matches">
          <p>
            <Link className="link" href="/tools">
              Show every tool
            </Link>
          </p>
        </EmptyState>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2">
          {tools.map((tool) => (
            <li key={tool.name} className="card p-4" data-tool={tool.name}>
              <div className="flex flex-wrap items-center gap-2">
                <h2 className="font-mono text-sm font-semibold">{tool.name}</h2>
                <span className="rounded border border-zinc-300 px-1.5 text-xs text-zinc-700 dark:border-zinc-700 dark:text-zinc-300">{tool.provider}</span>
                {tool.requiresApproval && (
                  <span className="rounded bg-amber-100 px-1.5 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-300">needs approval</span>
                )}
                {tool.idempotent && <span className="rounded bg-zinc-100 px-1.5 text-xs text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">idempotent</span>}
              </div>
              <p className="muted mt-1 text-sm">{tool.description}</p>
              <p className="muted mt-2 text-xs">
                Retries: up to {tool.defaults.retry.maximumAttempts} attempts, {tool.defaults.retry.initialInterval} ×{tool.defaults.retry.backoffCoefficient}{' '}
                up to {tool.defaults.retry.maximumInterval}; timeout {tool.defaults.startToCloseTimeout}
                {tool.defaults.heartbeatTimeout ? `, heartbeat ${tool.defaults.heartbeatTimeout}` : ''}
              </p>
              <details className="mt-2">
                <summary className="cursor-pointer text-sm">Input schema</summary>
                <div className="mt-1">
                  <JsonBlock value={tool.inputSchema} label={`Input schema of ${tool.name}`} />
                </div>
              </details>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav aria-label="Tool pages" className="mt-4 flex gap-4 text-sm">
          {page > 1 && (
            <Link className="link" href={toolsHref(query, { page: page - 1 })} rel="prev">
              Previous page
            </Link>
          )}
          {page < pages && (
            <Link className="link" href={toolsHref(query, { page: page + 1 })} rel="next">
              Next page
            </Link>
          )}
        </nav>
      )}
    </>
  );
}
