import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { CallModelInput, CallModelResult } from '../lib/workflow-contract';
import { failureForStatus, retryableError } from '../tools/tool-errors';
import { FailureType } from '../lib/failure-types';

export interface ModelProviderConfig {
  /** An OpenAI-compatible API base, e.g. `https://api.openai.com/v1`. */
  baseUrl?: string;
  apiKey?: string;
  timeoutMs?: number;
}

const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function').default('function'),
                function: z.object({ name: z.string(), arguments: z.string().default('{}') }),
              }),
            )
            .optional(),
        }),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().default(0),
      completion_tokens: z.number().default(0),
      total_tokens: z.number().default(0),
      prompt_tokens_details: z.object({ cached_tokens: z.number().default(0) }).nullish(),
    })
    .optional(),
});

/**
 * One chat-completions call. Failures follow the same table as HTTP tools (429/503 honour
 * Retry-After, 5xx back off, 4xx are final), so the workflow's retry policy does the rest.
 */
export async function callChatCompletions(config: ModelProviderConfig, input: CallModelInput, signal: AbortSignal): Promise<CallModelResult> {
  if (!config.baseUrl) {
    throw ApplicationFailure.create({
      type: FailureType.ModelNotConfigured,
      message: 'agent runs need a model provider: set MODEL_BASE_URL (and MODEL_API_KEY) for the worker',
      nonRetryable: true,
    });
  }
  const url = `${config.baseUrl.replace(/\/$/, '')}/chat/completions`;
  const timeout = AbortSignal.timeout(config.timeoutMs ?? 120_000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
      body: JSON.stringify({
        model: input.model,
        messages: input.messages,
        ...(input.tools.length > 0 ? { tools: input.tools } : {}),
        ...(input.maxOutputTokens !== undefined ? { max_tokens: input.maxOutputTokens } : {}),
      }),
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw retryableError(
      timeout.aborted ? 'Timeout' : 'NetworkError',
      `model call to ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw failureForStatus(response.status, response.headers.get('retry-after'), `model provider answered ${response.status}: ${text.slice(0, 500)}`);
  }
  let parsed: z.infer<typeof completionSchema>;
  try {
    parsed = completionSchema.parse(JSON.parse(text));
  } catch (error) {
    throw retryableError(FailureType.BadModelResponse, `model provider sent an unreadable response: ${error instanceof Error ? error.message : String(error)}`);
  }
  const choice = parsed.choices[0]!;
  return {
    message: { content: choice.message.content ?? null, toolCalls: choice.message.tool_calls ?? [] },
    finishReason: choice.finish_reason ?? null,
    usage: {
      inputTokens: parsed.usage?.prompt_tokens ?? 0,
      outputTokens: parsed.usage?.completion_tokens ?? 0,
      cachedInputTokens: parsed.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      totalTokens: parsed.usage?.total_tokens ?? 0,
    },
  };
}
