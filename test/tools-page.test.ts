/** The dashboard's tools page: filters and pages over the catalog, which MCP servers can make a thousand long. */
import { pageOfTools, toolsHref, ToolsPageQuery, toolsPageSize } from '../web/lib/tools-page';

const tools = [
  ...Array.from({ length: 1000 }, (_, index) => ({ name: `mcp.many.tool.${String(index).padStart(4, '0')}`, description: `tool ${index}`, provider: 'mcp' })),
  { name: 'builtin.echo', description: 'Returns its args', provider: 'builtin' },
];

describe('the tools page', () => {
  it('shows one page at a time, and a page past the end as the last', () => {
    const first = pageOfTools(tools, ToolsPageQuery.parse({}));
    expect(first).toMatchObject({ page: 1, pages: Math.ceil(tools.length / toolsPageSize), matching: tools.length, providers: ['builtin', 'mcp'] });
    expect(first.tools).toHaveLength(toolsPageSize);
    const last = pageOfTools(tools, ToolsPageQuery.parse({ page: '999' }));
    expect(last.page).toBe(last.pages);
    expect(last.tools.at(-1)?.name).toBe('builtin.echo');
  });

  it('filters by provider and by name or description, and links keep the filters', () => {
    expect(pageOfTools(tools, ToolsPageQuery.parse({ provider: 'builtin' })).tools.map((tool) => tool.name)).toEqual(['builtin.echo']);
    const found = pageOfTools(tools, ToolsPageQuery.parse({ q: 'TOOL.099' }));
    expect(found.matching).toBe(10);
    const query = ToolsPageQuery.parse({ q: 'tool', provider: 'mcp', page: '2' });
    expect(toolsHref(query, { page: 3 })).toBe('/tools?q=tool&provider=mcp&page=3');
    expect(toolsHref(query, { q: 'other' })).toBe('/tools?q=other&provider=mcp');
  });

  it('reads an unreadable page number as the first page', () => {
    expect(ToolsPageQuery.parse({ page: 'x' }).page).toBe(1);
    expect(ToolsPageQuery.parse({ page: ['2', '3'] }).page).toBe(2);
  });
});
