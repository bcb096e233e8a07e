import { streamText } from 'ai';
import { resolveModelId } from '../lib/model-id';
import type { CallModelInput, CallModelResult, ModelToolCall } from '../lib/workflow-contract';
import { retryableError } from '../tools/tool-errors';
import { FailureType } from '../lib/failure-types';
import { failureForModelError } from './model-errors';
import { modelMessagesOf, modelToolSetOf } from './model-messages';
import { languageModelFor, type ModelProvidersConfig } from './model-providers';

export interface CallModelHooks {
  /** Each piece of answer text as the provider streams it (the answer stream's producer: activities/answer-stream.ts). */
  onTextDelta?: (text: string) => void;
  /** Called as chunks arrive, so an activity with a heartbeat timeout shows it is alive while the model writes. */
  heartbeat?: () => void;
}

const defaultTimeoutMs = 120_000;

/**
 * One model turn, streamed through the AI SDK from the provider `input.model` names (lib/model-id.ts).
 * Failures follow the table of HTTP tools (activities/model-errors.ts), so the workflow's retry
 * policy does the retrying; the SDK's own retries are off. A retried call streams again from the
 * start: the text of a broken attempt is in the deltas already sent, never in the result.
 */
export async function callModel(
  config: ModelProvidersConfig,
  input: CallModelInput,
  signal: AbortSignal,
  hooks: CallModelHooks = {},
): Promise<CallModelResult> {
  const id = resolveModelId(input.model);
  const model = languageModelFor(config, id);
  const context = `model call to ${id.provider}:${id.model}`;
  const timeout = AbortSignal.timeout(config.timeoutMs ?? defaultTimeoutMs);
  const tools = modelToolSetOf(input.tools);
  let content = '';
  const toolCalls: ModelToolCall[] = [];
  let finish: { finishReason: string; usage: CallModelResult['usage'] } | null = null;
  try {
    const stream = streamText({
      model,
      messages: modelMessagesOf(input.messages),
      allowSystemInMessages: true,
      ...(input.tools.length > 0 ? { tools } : {}),
      ...(input.maxOutputTokens !== undefined ? { maxOutputTokens: input.maxOutputTokens } : {}),
      maxRetries: 0,
      abortSignal: AbortSignal.any([signal, timeout]),
      // The error comes as the stream's `error` part and leaves as the activity's failure; the SDK's default would print it too.
      onError: () => undefined,
    });
    for await (const part of stream.fullStream) {
      hooks.heartbeat?.();
      switch (part.type) {
        case 'text-delta':
          content += part.text;
          hooks.onTextDelta?.(part.text);
          break;
        case 'tool-call':
          // A call the SDK could not match or parse (`invalid`) goes to the workflow as the model wrote
          // it: the workflow answers an unknown tool or bad arguments to the model, as it always has.
          toolCalls.push({
            id: part.toolCallId,
            type: 'function',
            function: { name: part.toolName, arguments: typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {}) },
          });
          break;
        case 'finish': {
          const usage = part.totalUsage;
          const inputTokens = usage.inputTokens ?? 0;
          const outputTokens = usage.outputTokens ?? 0;
          finish = {
            finishReason: part.finishReason,
            usage: {
              inputTokens,
              outputTokens,
              cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
              totalTokens: usage.totalTokens ?? inputTokens + outputTokens,
            },
          };
          break;
        }
        case 'error':
          throw part.error;
        case 'abort':
          throw new Error(`aborted${part.reason ? `: ${part.reason}` : ''}`);
        default:
          break;
      }
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) throw retryableError(FailureType.Timeout, `${context} took longer than ${config.timeoutMs ?? defaultTimeoutMs} ms`);
    throw failureForModelError(error, context);
  }
  if (!finish) throw retryableError(FailureType.NetworkError, `${context}: the answer broke off before it finished`);
  return { message: { content: content || null, toolCalls }, finishReason: finish.finishReason, usage: finish.usage };
}
