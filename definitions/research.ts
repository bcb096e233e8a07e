import { defineRun, z } from 'flightdeck';

/** What of a page goes to the model: a long page is cut (the model's context and Temporal's payloads are finite). */
const maxSourceChars = 20_000;

const clipped = (body: z.JSONType): z.JSONType => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > maxSourceChars ? `${text.slice(0, maxSourceChars)}… (cut)` : body;
};

/**
 * A research agent: fetches its sources in parallel (ctx.map over builtin.http_request), then an
 * agent answers the question from them, citing them by number. A source that cannot be fetched
 * fails the run at its step; the agent may only reshape JSON (builtin.json_transform), not fetch.
 */
export default defineRun({
  name: 'research',
  description: 'Fetches its sources in parallel, then an agent answers the question from them.',
  input: z.object({
    question: z.string().trim().min(1).max(2000),
    sources: z
      .array(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
      .min(1)
      .max(10),
    /** The model the summarizing agent asks (MODEL_BASE_URL's provider must know it). */
    model: z.string().min(1).default('gpt-4o-mini'),
  }),
  output: z.object({
    answer: z.string(),
    sources: z.array(z.object({ source: z.number(), url: z.string(), status: z.number() })),
    turns: z.number(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), cachedInputTokens: z.number(), totalTokens: z.number() }),
  }),
  defaults: { tags: ['demo', 'research'], limits: { deadline: '15m', maxToolCalls: 40 } },
  run: async (ctx, { question, sources, model }) => {
    const pages = await ctx.map(sources, (url) => ctx.tool<{ status: number; body: z.JSONType }>('builtin.http_request', { url, timeoutMs: 15_000 }), {
      concurrency: 3,
    });
    const material = pages.map((page, index) => ({ source: index + 1, url: sources[index] as string, status: page.status, body: clipped(page.body) }));
    const summary = await ctx.agent({
      step: 'summarize',
      model,
      instructions:
        'You are a careful research assistant. Answer the question from the numbered sources only, citing them as [1], [2]. ' +
        'Say so when they do not answer it. builtin__json_transform picks values out of a JSON source.',
      tools: ['builtin.json_transform'],
      maxTurns: 6,
      input: { question, sources: material },
    });
    return {
      answer: summary.text,
      sources: material.map(({ source, url, status }) => ({ source, url, status })),
      turns: summary.turns,
      usage: summary.usage,
    };
  },
});
