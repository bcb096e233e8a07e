import { z } from 'zod';
import { optionalUrl } from '../lib/config';
import { modelProviders } from '../lib/model-id';
import { modelProviderEnv, type ModelProvidersConfig } from '../activities/model-providers';

const optionalSecret = z.preprocess((value) => (value === '' ? undefined : value), z.string().trim().min(1).optional());

/** The model providers' variables (docs/models.md); a provider is on when its key (compatible: its URL) is set. */
export const modelEnvShape = {
  MODEL_BASE_URL: optionalUrl.describe('Base URL of the OpenAI-compatible chat-completions API that `compatible:<model>` and bare model names call.'),
  MODEL_API_KEY: optionalSecret.describe('API key sent to MODEL_BASE_URL.'),
  OPENAI_API_KEY: optionalSecret.describe('API key for `openai:<model>` (chat completions); unset: the provider is off.'),
  OPENAI_BASE_URL: optionalUrl.describe('Base URL for `openai:<model>` instead of `https://api.openai.com/v1` (a proxy or gateway).'),
  ANTHROPIC_API_KEY: optionalSecret.describe('API key for `anthropic:<model>` (Messages API); unset: the provider is off.'),
  ANTHROPIC_BASE_URL: optionalUrl.describe('Base URL for `anthropic:<model>` instead of `https://api.anthropic.com/v1`.'),
  GOOGLE_GENERATIVE_AI_API_KEY: optionalSecret.describe('API key for `google:<model>` (Gemini API); unset: the provider is off.'),
  GOOGLE_GENERATIVE_AI_BASE_URL: optionalUrl.describe('Base URL for `google:<model>` instead of `https://generativelanguage.googleapis.com/v1beta`.'),
};
type ModelEnv = z.infer<z.ZodObject<typeof modelEnvShape>>;

/** Each provider's settings from the parsed env, as the callModel activity takes them. */
export function modelProvidersOf(env: ModelEnv): ModelProvidersConfig {
  return {
    compatible: { baseUrl: env.MODEL_BASE_URL, apiKey: env.MODEL_API_KEY },
    openai: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL },
    anthropic: { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL },
    google: { apiKey: env.GOOGLE_GENERATIVE_AI_API_KEY, baseUrl: env.GOOGLE_GENERATIVE_AI_BASE_URL },
  };
}

/**
 * A provider half configured stops the boot: a base URL (or MODEL_API_KEY) without the variable
 * its provider cannot go without would otherwise fail every run that names it, at its first turn.
 */
export function modelProviderProblems(env: NodeJS.ProcessEnv): Array<{ path: string; message: string }> {
  return modelProviders.flatMap((provider) => {
    const names = modelProviderEnv[provider];
    const partial = 'baseUrl' in names ? names.baseUrl : names.apiKey;
    return env[partial] && !env[names.required] ? [{ path: partial, message: `is set but ${names.required} is not: set both, or neither` }] : [];
  });
}

/** Which providers a worker has on, for its boot log. */
export const configuredModelProviders = (env: ModelEnv): string[] =>
  modelProviders.filter((provider) => Boolean(provider === 'compatible' ? env.MODEL_BASE_URL : env[modelProviderEnv[provider].required]));
