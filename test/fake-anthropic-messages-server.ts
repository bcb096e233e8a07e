/**
 * A TEST DOUBLE of Anthropic's Messages API (this machine cannot reach the real one). It speaks its
 * streaming wire format — `POST /v1/messages` with `stream: true` answered by server-sent events:
 * `message_start` (with input usage), per content block `content_block_start`, `content_block_delta`
 * (`text_delta`, or `input_json_delta` fragments for a `tool_use` block) and `content_block_stop`,
 * then `message_delta` (stop_reason, output usage) and `message_stop` — and its errors
 * (`{type:"error",error:{type,message}}`, 429 with `retry-after`). It plays a script per model name.
 */
import type { Server, ServerResponse } from 'node:http';
import { firstHalfOf, piecesOf, startPostServer, type ScriptedReply } from './fake-chat-completions-server';

export { answer, callTools, dropMidAnswer, heldMidway, httpError } from './fake-chat-completions-server';

export interface RecordedAnthropicRequest {
  model: string;
  system?: Array<{ type: 'text'; text: string }> | string;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<{ name: string; description?: string; input_schema: unknown }>;
  max_tokens: number;
  stream?: boolean;
  apiKey: string | undefined;
  anthropicVersion: string | undefined;
  at: number;
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export class FakeAnthropicMessagesServer {
  readonly requests: RecordedAnthropicRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private server: Server | null = null;
  private counter = 0;

  /** The base URL to give the worker as ANTHROPIC_BASE_URL. */
  baseUrl = '';

  async start(): Promise<this> {
    const { server, baseUrl } = await startPostServer(
      '/v1/messages',
      (parsed: Omit<RecordedAnthropicRequest, 'apiKey' | 'anthropicVersion' | 'at'>, request, response) => {
        this.requests.push({
          ...parsed,
          apiKey: request.headers['x-api-key'] as string | undefined,
          anthropicVersion: request.headers['anthropic-version'] as string | undefined,
          at: Date.now(),
        });
        const reply = this.scripts.get(parsed.model)?.shift();
        if (!reply) return this.error(response, 400, `no script for model ${parsed.model}`);
        if (reply.kind === 'error') return this.error(response, reply.status, `scripted ${reply.status}`, reply.retryAfter);
        if (!parsed.stream) return this.error(response, 400, 'this double streams only');
        void this.stream(parsed.model, reply, response);
      },
      (response) => this.error(response, 404, 'not found'),
    );
    this.server = server;
    this.baseUrl = baseUrl;
    return this;
  }

  script(model: string, replies: ScriptedReply[]): void {
    this.scripts.set(model, [...replies]);
  }

  requestsFor(model: string): RecordedAnthropicRequest[] {
    return this.requests.filter((request) => request.model === model);
  }

  private error(response: ServerResponse, status: number, message: string, retryAfter?: string): void {
    response
      .writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++this.counter}`, ...(retryAfter ? { 'retry-after': retryAfter } : {}) })
      .end(JSON.stringify({ type: 'error', error: { type: errorTypes[status] ?? 'api_error', message } }));
  }

  private async stream(model: string, reply: Exclude<ScriptedReply, { kind: 'error' }>, response: ServerResponse): Promise<void> {
    const send = (data: { type: string } & Record<string, unknown>) => response.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${++this.counter}` });
    send({
      type: 'message_start',
      message: {
        id: `msg_${this.counter}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 21, cache_read_input_tokens: 4, cache_creation_input_tokens: 0, output_tokens: 1 },
      },
    });
    send({ type: 'ping' });
    const text = reply.kind === 'tool_calls' ? (reply.content ?? '') : reply.content;
    let index = 0;
    if (text) {
      send({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      const pieces = piecesOf(text);
      const half = firstHalfOf(pieces);
      const sendText = (piece: string) => send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      pieces.slice(0, half).forEach(sendText);
      await reply.midway;
      if (reply.kind === 'drop') {
        // Cut the connection mid-answer: no content_block_stop, message_delta or message_stop.
        setTimeout(() => response.socket?.destroy(), 50);
        return;
      }
      pieces.slice(half).forEach(sendText);
      send({ type: 'content_block_stop', index });
      index += 1;
    }
    if (reply.kind === 'tool_calls') {
      for (const call of reply.calls) {
        send({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id ?? `toolu_${++this.counter}`, name: call.name, input: {} } });
        for (const fragment of piecesOf(JSON.stringify(call.args), 5))
          send({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: fragment } });
        send({ type: 'content_block_stop', index });
        index += 1;
      }
    }
    send({
      type: 'message_delta',
      delta: { stop_reason: reply.kind === 'tool_calls' ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: 9 },
    });
    send({ type: 'message_stop' });
    response.end();
  }

  async stop(): Promise<void> {
    // A reply still held midway (its test failed before releasing it) must not keep the server open.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
