/**
 * A TEST DOUBLE of Google's Gemini API (this machine cannot reach the real one). It speaks its
 * streaming wire format — `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` with the key in
 * `x-goog-api-key`, answered by server-sent `GenerateContentResponse` chunks: `candidates[0].content.parts`
 * with `text` pieces or a whole `functionCall`, `finishReason` on the last, `usageMetadata` — and its
 * errors (`{error:{code,message,status}}`, 429 with `retry-after`). It plays a script per model name.
 */
import type { Server, ServerResponse } from 'node:http';
import { firstHalfOf, piecesOf, startPostServer, type ScriptedReply } from './fake-chat-completions-server';

export interface RecordedGeminiRequest {
  model: string;
  contents: Array<{ role: 'user' | 'model'; parts: Array<Record<string, unknown>> }>;
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations?: Array<{ name: string }> }>;
  apiKey: string | undefined;
  at: number;
}

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export class FakeGeminiServer {
  readonly requests: RecordedGeminiRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private server: Server | null = null;

  /** The base URL to give the worker as GOOGLE_GENERATIVE_AI_BASE_URL. */
  baseUrl = '';

  async start(): Promise<this> {
    const { server, baseUrl } = await startPostServer(
      /^\/v1beta\/models\/[^/:]+:streamGenerateContent\?alt=sse$/,
      (parsed: Omit<RecordedGeminiRequest, 'model' | 'apiKey' | 'at'>, request, response) => {
        const model = /models\/([^/:]+):/.exec(request.url ?? '')![1]!;
        this.requests.push({ ...parsed, model, apiKey: request.headers['x-goog-api-key'] as string | undefined, at: Date.now() });
        const reply = this.scripts.get(model)?.shift();
        if (!reply) return this.error(response, 400, `no script for model ${model}`);
        if (reply.kind === 'error') return this.error(response, reply.status, `scripted ${reply.status}`, reply.retryAfter);
        void this.stream(model, reply, response);
      },
      (response) => this.error(response, 404, 'not found'),
    );
    this.server = server;
    this.baseUrl = baseUrl.replace(/\/v1$/, '/v1beta');
    return this;
  }

  script(model: string, replies: ScriptedReply[]): void {
    this.scripts.set(model, [...replies]);
  }

  requestsFor(model: string): RecordedGeminiRequest[] {
    return this.requests.filter((request) => request.model === model);
  }

  private error(response: ServerResponse, status: number, message: string, retryAfter?: string): void {
    response
      .writeHead(status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) })
      .end(JSON.stringify({ error: { code: status, message, status: statusNames[status] ?? 'UNKNOWN' } }));
  }

  private async stream(model: string, reply: Exclude<ScriptedReply, { kind: 'error' }>, response: ServerResponse): Promise<void> {
    const usageMetadata = { promptTokenCount: 17, cachedContentTokenCount: 5, candidatesTokenCount: 6, totalTokenCount: 23 };
    const send = (parts: Array<Record<string, unknown>>, finishReason?: string) =>
      response.write(
        `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }], usageMetadata, modelVersion: model })}\n\n`,
      );
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const text = reply.kind === 'tool_calls' ? (reply.content ?? '') : reply.content;
    const pieces = piecesOf(text);
    // As Gemini does: the last chunk carries the finishReason (a function call comes whole, in one part).
    const chunks: Array<Array<Record<string, unknown>>> = pieces.map((piece) => [{ text: piece }]);
    if (reply.kind === 'tool_calls') chunks.push(reply.calls.map((call) => ({ functionCall: { name: call.name, args: call.args } })));
    // A drop never sends the finishReason; an answer sends it after the midway.
    const sendChunk = (parts: Array<Record<string, unknown>>, index: number) =>
      send(parts, reply.kind !== 'drop' && index === chunks.length - 1 ? 'STOP' : undefined);
    const half = reply.kind === 'drop' ? firstHalfOf(pieces) : Math.min(firstHalfOf(pieces), chunks.length - 1);
    chunks.slice(0, half).forEach((parts, index) => sendChunk(parts, index));
    await reply.midway;
    if (reply.kind === 'drop') {
      setTimeout(() => response.socket?.destroy(), 50);
      return;
    }
    chunks.slice(half).forEach((parts, index) => sendChunk(parts, half + index));
    response.end();
  }

  async stop(): Promise<void> {
    // A reply still held midway (its test failed before releasing it) must not keep the server open.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
