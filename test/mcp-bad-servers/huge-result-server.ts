/**
 * An MCP server (stdio) whose `huge` tool answers with `bytes` bytes of text (10 MB by default),
 * more than a configured result limit should let in. Run with `node --import tsx`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'huge-result', version: '1.0.0' });
server.registerTool(
  'huge',
  { description: 'Answers with a very large text.', inputSchema: { bytes: z.number().int().min(1).max(50_000_000).default(10_000_000) } },
  async ({ bytes }) => ({ content: [{ type: 'text', text: 'x'.repeat(bytes) }] }),
);
void server.connect(new StdioServerTransport());
