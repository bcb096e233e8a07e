/**
 * A small MCP server over Streamable HTTP (stateless, the SDK's own server transport), in the test's
 * process, that remembers the headers of every request it got: a test asserts a tenant's sealed
 * header reached the server. Its tool `echo` answers `Echo: <message>`, as the reference server's does.
 */
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export interface HeaderRecordingMcpServer {
  url: string;
  /** Every request's headers, in arrival order. */
  requests: IncomingHttpHeaders[];
  stop(): Promise<void>;
}

function mcpServer(): Server {
  const server = new Server({ name: 'header-recording', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: 'echo',
        description: 'Echoes a message.',
        inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => ({
    content: [{ type: 'text', text: `Echo: ${String(request.params.arguments?.message)}` }],
  }));
  return server;
}

export async function startHeaderRecordingMcpServer(): Promise<HeaderRecordingMcpServer> {
  const requests: IncomingHttpHeaders[] = [];
  const http: HttpServer = createServer((request, response) => {
    requests.push(request.headers);
    // Stateless: a server and a transport per request, as the SDK's stateless example does.
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(request, response))
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    async stop() {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
