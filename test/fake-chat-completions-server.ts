/**
 * A TEST DOUBLE of an OpenAI-compatible model provider (this machine cannot reach a real one).
 * It speaks the real HTTP contract — `POST /v1/chat/completions` with messages and function tools,
 * answering `choices[0].message` with `content` / `tool_calls` and `usage` — and plays a script
 * per model name, so concurrent tests each get their own conversation.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedReply =
  | { kind: 'answer'; content: string }
  | { kind: 'tool_calls'; calls: Array<{ name: string; args: unknown; id?: string }> }
  | { kind: 'error'; status: number; retryAfter?: string; body?: string };

export const answer = (content: string): ScriptedReply => ({ kind: 'answer', content });
export const callTools = (...calls: Array<{ name: string; args: unknown; id?: string }>): ScriptedReply => ({ kind: 'tool_calls', calls });
export const httpError = (status: number, retryAfter?: string): ScriptedReply => ({ kind: 'error', status, retryAfter });

export interface RecordedRequest {
  model: string;
  messages: Array<{ role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
  authorization: string | undefined;
  at: number;
}

export class FakeChatCompletionsServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private readonly fallbacks = new Map<string, ScriptedReply>();
  private server: Server | null = null;
  private callCounter = 0;

  /** The base URL to give the worker as MODEL_BASE_URL. */
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
          response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        const parsed = JSON.parse(body) as Omit<RecordedRequest, 'authorization' | 'at'>;
        this.requests.push({ ...parsed, authorization: request.headers.authorization, at: Date.now() });
        const reply = this.scripts.get(parsed.model)?.shift() ?? this.fallbacks.get(parsed.model);
        if (!reply) {
          response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no script for model ${parsed.model}` } }));
          return;
        }
        this.respond(reply, response);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  /** Replies for `model`, in order; `then` answers every later call. */
  script(model: string, replies: ScriptedReply[], then?: ScriptedReply): void {
    this.scripts.set(model, [...replies]);
    if (then) this.fallbacks.set(model, then);
  }

  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((request) => request.model === model);
  }

  private respond(reply: ScriptedReply, response: ServerResponse): void {
    if (reply.kind === 'error') {
      response
        .writeHead(reply.status, { 'content-type': 'application/json', ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}) })
        .end(reply.body ?? JSON.stringify({ error: { message: `scripted ${reply.status}` } }));
      return;
    }
    const message =
      reply.kind === 'answer'
        ? { role: 'assistant', content: reply.content }
        : {
            role: 'assistant',
            content: null,
            tool_calls: reply.calls.map((call) => ({
              id: call.id ?? `call_${++this.callCounter}`,
              type: 'function',
              function: { name: call.name, arguments: JSON.stringify(call.args) },
            })),
          };
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${++this.callCounter}`,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: reply.kind === 'answer' ? 'stop' : 'tool_calls' }],
        usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      }),
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
