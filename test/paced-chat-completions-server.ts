/**
 * A TEST DOUBLE of an OpenAI-compatible model provider that streams at a provider's pace: each
 * answer is `chunks` content deltas with `gapMs` between them, as a model writes tokens, where
 * fake-chat-completions-server.ts sends all of an answer at once. The wire format is the same
 * (`chat.completion.chunk` server-sent events, a usage chunk when `stream_options.include_usage`,
 * then `data: [DONE]`; one `chat.completion` without `stream`). A chunk's text is asked for just
 * before it is written, so it can carry its send time (the bench's streaming phase does).
 */
import type { Server, ServerResponse } from 'node:http';
import { startPostServer } from './fake-chat-completions-server';

export interface PacedAnswer {
  /** Content deltas of the answer. */
  chunks: number;
  /** The pause before each delta, in ms. */
  gapMs: number;
  /** The text of delta `index` (from 0), asked for as it is sent. */
  text: (index: number) => string;
  /** Send the whole text as one delta, when the last of `chunks` would have gone: the same answer and duration, not chunked. */
  whole?: boolean;
}

interface ChatRequest {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

export class PacedChatCompletionsServer {
  private readonly answers = new Map<string, PacedAnswer>();
  private server: Server | null = null;
  private callCounter = 0;
  /** Answers started, by model. */
  readonly calls = new Map<string, number>();
  /** The base URL to give the worker as MODEL_BASE_URL. */
  baseUrl = '';

  async start(): Promise<this> {
    const { server, baseUrl } = await startPostServer(
      '/v1/chat/completions',
      (request: ChatRequest, _incoming, response) => {
        const answer = this.answers.get(request.model);
        if (!answer) {
          response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no answer for model ${request.model}` } }));
          return;
        }
        this.calls.set(request.model, (this.calls.get(request.model) ?? 0) + 1);
        if (request.stream) this.stream(request, answer, response);
        else this.respond(answer, response);
      },
      (response) => response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } })),
    );
    this.server = server;
    this.baseUrl = baseUrl;
    return this;
  }

  /** How `model` answers every call. */
  answer(model: string, answer: PacedAnswer): void {
    this.answers.set(model, answer);
  }

  private stream(request: ChatRequest, answer: PacedAnswer, response: ServerResponse): void {
    const id = `chatcmpl-paced-${++this.callCounter}`;
    const created = Math.floor(Date.now() / 1000);
    const frame = (body: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, ...body })}\n\n`;
    const delta = (content: Record<string, unknown>, finishReason: string | null = null) =>
      frame({ choices: [{ index: 0, delta: content, finish_reason: finishReason }] });
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write(delta({ role: 'assistant', content: '' }));
    let timer: NodeJS.Timeout | undefined;
    // A client that hangs up (a cancelled or timed-out call) stops the answer.
    response.once('close', () => clearTimeout(timer));
    const finish = () => {
      response.write(delta({}, 'stop'));
      if (request.stream_options?.include_usage) {
        response.write(frame({ choices: [], usage: { prompt_tokens: 20, completion_tokens: answer.chunks, total_tokens: 20 + answer.chunks } }));
      }
      response.end('data: [DONE]\n\n');
    };
    const send = (index: number) => {
      if (response.destroyed) return;
      if (answer.whole) {
        response.write(delta({ content: Array.from({ length: answer.chunks }, (_, at) => answer.text(at)).join('') }));
        return finish();
      }
      response.write(delta({ content: answer.text(index) }));
      if (index + 1 < answer.chunks) timer = setTimeout(() => send(index + 1), answer.gapMs);
      else finish();
    };
    timer = setTimeout(() => send(0), answer.whole ? answer.gapMs * answer.chunks : answer.gapMs);
  }

  private respond(answer: PacedAnswer, response: ServerResponse): void {
    const content = Array.from({ length: answer.chunks }, (_, at) => answer.text(at)).join('');
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-paced-${++this.callCounter}`,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: answer.chunks, total_tokens: 20 + answer.chunks },
      }),
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
