/**
 * An MCP server (stdio, written by hand) that answers `tools/call` of `broken` with a line that is
 * not JSON; `fine` answers properly. Initialization and `tools/list` are correct. Run with
 * `node --import tsx`.
 */
import { createInterface } from 'node:readline';

const tools = [
  { name: 'broken', description: 'Answers with malformed JSON-RPC.', inputSchema: { type: 'object', properties: {} } },
  { name: 'fine', description: 'Answers properly.', inputSchema: { type: 'object', properties: {} } },
];
const send = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line) as { id?: number; method: string; params?: { name?: string; protocolVersion?: string } };
  if (message.id === undefined) return; // notifications
  switch (message.method) {
    case 'initialize':
      send({
        jsonrpc: '2.0',
        id: message.id,
        result: { protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'malformed-json-rpc', version: '1.0.0' } },
      });
      break;
    case 'tools/list':
      send({ jsonrpc: '2.0', id: message.id, result: { tools } });
      break;
    case 'tools/call':
      if (message.params?.name === 'broken') process.stdout.write(`{"jsonrpc":"2.0","id":${message.id},"result":{"content":[{"type":"text",\n`);
      else send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'fine' }] } });
      break;
    default:
      send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `no method ${message.method}` } });
  }
});
