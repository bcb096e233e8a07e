export type { McpServerDeps } from './mcp-server-deps';
export { registerMcpServer } from './register-mcp-server';
export { listMcpServers } from './list-mcp-servers';
export { deleteMcpServer } from './delete-mcp-server';
