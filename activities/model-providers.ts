import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ApplicationFailure } from '@temporalio/common';
import type { LanguageModel } from 'ai';
import { FailureType } from '../lib/failure-types';
import { createLogger } from '../lib/logger';
import type { ModelId, ModelProvider } from '../lib/model-id';

const modelLog = createLogger('models');
const warned = new Set<string>();

// The AI SDK's warnings (a feature a model does not support, a default it applied) go to the worker's
// log once per model and warning, instead of to stderr on every call.
globalThis.AI_SDK_LOG_WARNINGS = ({ warnings, provider, model }) => {
  for (const warning of warnings) {
    const text = JSON.stringify(warning);
    if (warned.has(`${provider}/${model}/${text}`)) continue;
    warned.add(`${provider}/${model}/${text}`);
    modelLog.warn({ provider, model, warning }, 'model provider warning');
  }
};

/** How a worker reaches one provider (from the env, worker/model-env.ts). */
export interface ModelProviderSettings {
  apiKey?: string;
  baseUrl?: string;
}

/** Every provider a worker may call; a provider without what it needs (a key, or MODEL_BASE_URL) is off. */
export type ModelProvidersConfig = Partial<Record<ModelProvider, ModelProviderSettings>> & {
  /** One call's limit, start to last chunk (default 120 s). */
  timeoutMs?: number;
};

/** The variables that configure each provider; the one a provider cannot go without comes first. */
export const modelProviderEnv = {
  openai: { required: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
  anthropic: { required: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL' },
  google: { required: 'GOOGLE_GENERATIVE_AI_API_KEY', baseUrl: 'GOOGLE_GENERATIVE_AI_BASE_URL' },
  compatible: { required: 'MODEL_BASE_URL', apiKey: 'MODEL_API_KEY' },
} as const satisfies Record<ModelProvider, { required: string; baseUrl?: string; apiKey?: string }>;

/** Whether `settings` hold what `provider` cannot go without. */
export const isProviderConfigured = (provider: ModelProvider, settings: ModelProviderSettings | undefined): boolean =>
  Boolean(provider === 'compatible' ? settings?.baseUrl : settings?.apiKey);

/**
 * The AI SDK model for `id`, or a final ModelNotConfigured naming the variable to set. OpenAI is
 * called through its chat-completions API (`openai.chat`), as the compatible servers are.
 */
export function languageModelFor(config: ModelProvidersConfig, id: ModelId): LanguageModel {
  const settings = config[id.provider];
  if (!settings || !isProviderConfigured(id.provider, settings)) {
    const env = modelProviderEnv[id.provider];
    throw ApplicationFailure.create({
      type: FailureType.ModelNotConfigured,
      message:
        id.provider === 'compatible'
          ? `model "${id.model}" is for the OpenAI-compatible server: set MODEL_BASE_URL (and MODEL_API_KEY) for the worker, or name a provider ("openai:${id.model}")`
          : `model "${id.provider}:${id.model}" needs the ${id.provider} provider: set ${env.required} for the worker`,
      nonRetryable: true,
    });
  }
  const { apiKey, baseUrl } = settings;
  switch (id.provider) {
    case 'openai':
      return createOpenAI({ apiKey, baseURL: baseUrl }).chat(id.model);
    case 'anthropic':
      return createAnthropic({ apiKey, baseURL: baseUrl })(id.model);
    case 'google':
      return createGoogleGenerativeAI({ apiKey, baseURL: baseUrl })(id.model);
    case 'compatible':
      return createOpenAICompatible({ name: 'compatible', baseURL: baseUrl!, apiKey, includeUsage: true }).chatModel(id.model);
  }
}
