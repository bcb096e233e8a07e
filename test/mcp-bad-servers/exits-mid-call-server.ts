/**
 * An MCP server (stdio) whose process exits in the middle of a call, once per `key`: the first call
 * of a key marks it in the directory given as argv[2] and exits before answering; a later call
 * (on a process started again) answers. Run with `node --import tsx`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const markerDir = process.argv[2];
if (!markerDir) throw new Error('usage: exits-mid-call-server.ts <marker directory>');

const server = new McpServer({ name: 'exits-mid-call', version: '1.0.0' });
server.registerTool(
  'write-once',
  { description: 'Exits the process mid-call the first time a key is written; answers after that.', inputSchema: { key: z.string().regex(/^[a-z0-9-]+$/) } },
  async ({ key }) => {
    const marker = join(markerDir, `${key}.started`);
    if (!existsSync(marker)) {
      writeFileSync(marker, `${process.pid}\n`);
      // Mid-call: the request arrived, no answer goes out.
      setTimeout(() => process.exit(3), 50);
      return new Promise<never>(() => undefined);
    }
    return { content: [{ type: 'text', text: `wrote ${key} on process ${process.pid}` }] };
  },
);
void server.connect(new StdioServerTransport());
