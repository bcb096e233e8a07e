/**
 * An MCP server (stdio) whose `hang` tool never answers. Every `notifications/cancelled` it receives
 * for a call is appended as a JSON line to the file given as argv[2], so a test sees it was sent.
 * Run with `node --import tsx`.
 */
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const cancelledLog = process.argv[2];
if (!cancelledLog) throw new Error('usage: hangs-server.ts <cancelled log file>');

const server = new McpServer({ name: 'hangs', version: '1.0.0' });
server.registerTool('hang', { description: 'Never answers.', inputSchema: { label: z.string() } }, async ({ label }, extra) => {
  // The SDK aborts a request's signal when the client cancels it.
  extra.signal.addEventListener('abort', () => appendFileSync(cancelledLog, `${JSON.stringify({ label, reason: String(extra.signal.reason ?? '') })}\n`));
  return new Promise<never>(() => undefined);
});
void server.connect(new StdioServerTransport());
