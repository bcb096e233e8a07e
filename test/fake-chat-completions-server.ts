/**
 * A TEST DOUBLE of an OpenAI-compatible model provider (this machine cannot reach a real one).
 * It speaks the real HTTP contract — `POST /v1/chat/completions` with messages and function tools —
 * and answers as OpenAI does: with `stream: true`, server-sent `chat.completion.chunk` frames (a
 * role delta, the content in several deltas, tool calls as `index`/`id`/`function.arguments`
 * fragments, a last chunk with `finish_reason`, a usage chunk when `stream_options.include_usage`,
 * then `data: [DONE]`); otherwise one `chat.completion`. It plays a script per model name, so
 * concurrent tests each get their own conversation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export type ScriptedReply = (
  | { kind: 'answer'; content: string; usage?: ScriptedUsage }
  | { kind: 'tool_calls'; calls: Array<{ name: string; args: unknown; id?: string }>; content?: string }
  | { kind: 'error'; status: number; retryAfter?: string; body?: string }
  /** Streams the first half of `content`, then drops the connection (no finish, no [DONE]). */
  | { kind: 'drop'; content: string }
) & {
  /** A streamed reply sends the first half of its text, then waits for this before the rest (a drop: before it cuts). */
  midway?: Promise<void>;
};

export const answer = (content: string): ScriptedReply => ({ kind: 'answer', content });
export const answerWithUsage = (content: string, usage: ScriptedUsage): ScriptedReply => ({ kind: 'answer', content, usage });
export const callTools = (...calls: Array<{ name: string; args: unknown; id?: string }>): ScriptedReply => ({ kind: 'tool_calls', calls });
export const httpError = (status: number, retryAfter?: string): ScriptedReply => ({ kind: 'error', status, retryAfter });
export const dropMidAnswer = (content: string): ScriptedReply => ({ kind: 'drop', content });

/**
 * `reply`, held halfway through its streamed text until `release()`: a test sees the first deltas
 * arrive while the answer is still being written, and decides when it goes on.
 */
export function heldMidway(reply: ScriptedReply): { reply: ScriptedReply; release: () => void } {
  let release!: () => void;
  const midway = new Promise<void>((resolve) => (release = resolve));
  return { reply: { ...reply, midway }, release };
}

/** How many of a reply's pieces a double streams before its `midway` (and all a drop streams). */
export const firstHalfOf = (pieces: string[]): number => Math.max(1, Math.floor(pieces.length / 2));

export interface RecordedRequest {
  model: string;
  messages: Array<{ role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  authorization: string | undefined;
  at: number;
}

const defaultUsage: ScriptedUsage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

/** `text` in pieces of a few characters, as a provider streams tokens. */
export function piecesOf(text: string, size = 4): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

/**
 * A local HTTP server under `http://127.0.0.1:<port>/v1` that hands each POST to `path` (or a URL it matches) to `onPost`
 * with its JSON body; anything else gets `notFound`.
 */
export async function startPostServer(
  path: string | RegExp,
  onPost: (body: any, request: IncomingMessage, response: ServerResponse) => void,
  notFound: (response: ServerResponse) => void,
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && (typeof path === 'string' ? request.url === path : path.test(request.url ?? '')))
        onPost(JSON.parse(body), request, response);
      else notFound(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

export class FakeChatCompletionsServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private readonly fallbacks = new Map<string, ScriptedReply>();
  private server: Server | null = null;
  private callCounter = 0;

  /** The base URL to give the worker as MODEL_BASE_URL (or OPENAI_BASE_URL). */
  baseUrl = '';

  async start(): Promise<this> {
    const { server, baseUrl } = await startPostServer(
      '/v1/chat/completions',
      (parsed: Omit<RecordedRequest, 'authorization' | 'at'>, request, response) => {
        this.requests.push({ ...parsed, authorization: request.headers.authorization, at: Date.now() });
        const reply = this.scripts.get(parsed.model)?.shift() ?? this.fallbacks.get(parsed.model);
        if (!reply) {
          response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no script for model ${parsed.model}` } }));
          return;
        }
        if (reply.kind === 'error') {
          response
            .writeHead(reply.status, { 'content-type': 'application/json', ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}) })
            .end(reply.body ?? JSON.stringify({ error: { message: `scripted ${reply.status}`, type: 'scripted' } }));
          return;
        }
        if (parsed.stream) void this.stream(parsed, reply, response);
        else this.respond(reply, response);
      },
      (response) => response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } })),
    );
    this.server = server;
    this.baseUrl = baseUrl;
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

  private toolCallsOf(reply: ScriptedReply & { kind: 'tool_calls' }) {
    return reply.calls.map((call) => ({ id: call.id ?? `call_${++this.callCounter}`, name: call.name, arguments: JSON.stringify(call.args) }));
  }

  private async stream(
    request: Omit<RecordedRequest, 'authorization' | 'at'>,
    reply: Exclude<ScriptedReply, { kind: 'error' }>,
    response: ServerResponse,
  ): Promise<void> {
    const id = `chatcmpl-${++this.callCounter}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: unknown, finishReason: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write(chunk({ role: 'assistant', content: '' }));
    const pieces = piecesOf(reply.kind === 'tool_calls' ? (reply.content ?? '') : reply.content);
    const half = firstHalfOf(pieces);
    for (const piece of pieces.slice(0, half)) response.write(chunk({ content: piece }));
    await reply.midway;
    if (reply.kind === 'drop') {
      // Let the client read what was sent, then cut the connection mid-answer (no last chunk, no [DONE]).
      setTimeout(() => response.socket?.destroy(), 50);
      return;
    }
    for (const piece of pieces.slice(half)) response.write(chunk({ content: piece }));
    if (reply.kind === 'tool_calls') {
      this.toolCallsOf(reply).forEach((call, index) => {
        response.write(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
        for (const fragment of piecesOf(call.arguments, 5)) response.write(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
      });
    }
    response.write(chunk({}, reply.kind === 'answer' ? 'stop' : 'tool_calls'));
    if (request.stream_options?.include_usage) {
      const usage = (reply.kind === 'answer' ? reply.usage : undefined) ?? defaultUsage;
      response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [], usage })}\n\n`);
    }
    response.end('data: [DONE]\n\n');
  }

  private respond(reply: Exclude<ScriptedReply, { kind: 'error' }>, response: ServerResponse): void {
    if (reply.kind === 'drop') {
      response.socket?.destroy();
      return;
    }
    const message =
      reply.kind === 'answer'
        ? { role: 'assistant', content: reply.content }
        : {
            role: 'assistant',
            content: reply.content ?? null,
            tool_calls: this.toolCallsOf(reply).map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
          };
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${++this.callCounter}`,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: reply.kind === 'answer' ? 'stop' : 'tool_calls' }],
        usage: (reply.kind === 'answer' ? reply.usage : undefined) ?? defaultUsage,
      }),
    );
  }

  async stop(): Promise<void> {
    // A reply still held midway (its test failed before releasing it) must not keep the server open.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
