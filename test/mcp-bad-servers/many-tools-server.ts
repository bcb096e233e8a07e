/**
 * An MCP server (stdio) with 1,000 tools, listed 100 to a page (`nextCursor`), whose `grow` tool adds
 * one more and sends `notifications/tools/list_changed`. Every tool echoes its args. Run with
 * `node --import tsx`.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const pageSize = 100;
const tools: Tool[] = Array.from({ length: 1000 }, (_, index) => ({
  name: `tool.${String(index).padStart(4, '0')}`,
  description: `Echoes its args (tool ${index}).`,
  inputSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
}));
tools.push({
  name: 'grow',
  description: 'Adds a tool and says the list changed.',
  inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
});

const server = new Server({ name: 'many-tools', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
server.setRequestHandler(ListToolsRequestSchema, (request) => {
  const start = Number(request.params?.cursor ?? 0);
  const page = tools.slice(start, start + pageSize);
  return { tools: page, ...(start + pageSize < tools.length ? { nextCursor: String(start + pageSize) } : {}) };
});
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  if (request.params.name === 'grow') {
    const name = String(request.params.arguments?.name);
    tools.push({ name, description: 'Added by grow.', inputSchema: { type: 'object', properties: {} } });
    await server.sendToolListChanged();
  }
  return { content: [{ type: 'text', text: JSON.stringify({ tool: request.params.name, args: request.params.arguments ?? {} }) }] };
});
void server.connect(new StdioServerTransport());
