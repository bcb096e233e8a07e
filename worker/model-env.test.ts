import { parseEnv } from '../lib/config';
import { workerEnvSchema } from './env';
import { configuredModelProviders, modelProvidersOf } from './model-env';

const base = { DATABASE_URL: 'postgres://app@127.0.0.1:5432/flightdeck' };

describe('the model providers’ env', () => {
  it('turns a provider on by its key (compatible: by MODEL_BASE_URL), with its base URL if given', () => {
    const env = parseEnv(workerEnvSchema, {
      ...base,
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: 'https://proxy.example/v1',
      MODEL_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_API_KEY: '',
    });
    expect(configuredModelProviders(env)).toEqual(['anthropic', 'compatible']);
    expect(modelProvidersOf(env)).toMatchObject({
      anthropic: { apiKey: 'sk-ant', baseUrl: 'https://proxy.example/v1' },
      compatible: { baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined },
      openai: { apiKey: undefined },
    });
  });

  it('stops the boot when a base URL (or MODEL_API_KEY) comes without what its provider needs, naming both', () => {
    expect(() => parseEnv(workerEnvSchema, { OPENAI_BASE_URL: 'https://gateway.example/v1' })).toThrow(/OPENAI_BASE_URL.*is set but OPENAI_API_KEY is not/s);
    expect(() => parseEnv(workerEnvSchema, { MODEL_API_KEY: 'k' })).toThrow(/MODEL_API_KEY.*is set but MODEL_BASE_URL is not/s);
    expect(() => parseEnv(workerEnvSchema, { GOOGLE_GENERATIVE_AI_BASE_URL: 'not a url', GOOGLE_GENERATIVE_AI_API_KEY: 'g' })).toThrow(
      /GOOGLE_GENERATIVE_AI_BASE_URL/,
    );
  });
});
