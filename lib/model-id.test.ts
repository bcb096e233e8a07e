import { agentSchema } from './run-spec';
import { modelIdSchema, parseModelId, resolveModelId } from './model-id';

describe('model ids', () => {
  it('reads <provider>:<model>, and a bare name as the OpenAI-compatible server’s', () => {
    expect(parseModelId('openai:gpt-4o-mini')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(parseModelId('anthropic:claude-sonnet-4-5')).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(parseModelId('google:gemini-2.5-flash')).toEqual({ provider: 'google', model: 'gemini-2.5-flash' });
    expect(parseModelId('compatible:llama3:8b')).toEqual({ provider: 'compatible', model: 'llama3:8b' });
    expect(parseModelId('gpt-4o')).toEqual({ provider: 'compatible', model: 'gpt-4o' });
  });

  it('refuses an unknown prefix, naming the known providers, and a prefix without a model', () => {
    expect(parseModelId('mistral:large')).toBeNull();
    const refused = modelIdSchema.safeParse('mistral:large');
    expect(refused.error?.issues[0]?.message).toMatch(
      /unknown model provider "mistral".*openai:<model>, anthropic:<model>, google:<model>, compatible:<model>/,
    );
    expect(modelIdSchema.safeParse('openai:').error?.issues[0]?.message).toBe('"openai:" names no model after "openai:"');
    expect(agentSchema.safeParse({ model: 'llama3:8b', instructions: 'x' }).success).toBe(false);
    expect(agentSchema.safeParse({ model: 'compatible:llama3:8b', instructions: 'x' }).success).toBe(true);
  });

  it('sends a colon name a run carried from before prefixes to MODEL_BASE_URL whole', () => {
    expect(resolveModelId('llama3:8b')).toEqual({ provider: 'compatible', model: 'llama3:8b' });
    expect(resolveModelId('anthropic:claude-haiku-4-5')).toEqual({ provider: 'anthropic', model: 'claude-haiku-4-5' });
  });
});
