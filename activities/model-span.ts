import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { CallModelInput, CallModelResult } from '../lib/workflow-contract';

/** `<provider>:<model>` as the GenAI semantic conventions name them; a bare id is the OpenAI-compatible server. */
export function providerAndModel(model: string): { provider: string; model: string } {
  const at = model.indexOf(':');
  const prefix = at > 0 ? model.slice(0, at) : 'compatible';
  const name = at > 0 ? model.slice(at + 1) : model;
  const providers: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', google: 'gcp.gemini' };
  return { provider: providers[prefix] ?? prefix, model: name };
}

/**
 * A model call as an OpenTelemetry span `chat <model>` with the GenAI semantic-convention
 * attributes, a child of the active span (the callModel activity's, so of the run's trace).
 * Without a tracer (tracing off) the call runs as is.
 */
export async function traceModelCall(tracer: Tracer | undefined, request: CallModelInput, call: () => Promise<CallModelResult>): Promise<CallModelResult> {
  if (!tracer) return call();
  const { provider, model } = providerAndModel(request.model);
  return tracer.startActiveSpan(
    `chat ${model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': provider,
        'gen_ai.request.model': model,
        ...(request.maxOutputTokens !== undefined ? { 'gen_ai.request.max_tokens': request.maxOutputTokens } : {}),
        'flightdeck.run_id': request.runId,
        'flightdeck.tenant_id': request.tenantId,
      },
    },
    async (span) => {
      try {
        const result = await call();
        span.setAttributes({
          'gen_ai.response.finish_reasons': result.finishReason === null ? [] : [result.finishReason],
          'gen_ai.usage.input_tokens': result.usage.inputTokens,
          'gen_ai.usage.output_tokens': result.usage.outputTokens,
          'flightdeck.usage.cached_input_tokens': result.usage.cachedInputTokens,
          ...(typeof result.costUsd === 'number' ? { 'flightdeck.cost_usd': result.costUsd } : {}),
        });
        return result;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.setAttribute('error.type', (error as { type?: string } | null)?.type ?? (error instanceof Error ? error.name : 'Error'));
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
