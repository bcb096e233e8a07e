import { z } from 'zod';

/**
 * The model providers an agent's `model` can name (docs/models.md): `<provider>:<model>`, or a bare
 * name for the OpenAI-compatible server at MODEL_BASE_URL. Workflow-safe (pure).
 */
export const modelProviders = ['openai', 'anthropic', 'google', 'compatible'] as const;
export type ModelProvider = (typeof modelProviders)[number];

export interface ModelId {
  provider: ModelProvider;
  /** The provider's own name for the model, as its API takes it. */
  model: string;
}

const isModelProvider = (value: string): value is ModelProvider => (modelProviders as readonly string[]).includes(value);

/** `openai:gpt-4o` → openai / gpt-4o; `gpt-4o` (no prefix) → compatible / gpt-4o; null for an unknown prefix or an empty model. */
export function parseModelId(id: string): ModelId | null {
  const colon = id.indexOf(':');
  if (colon < 0) return id.trim() ? { provider: 'compatible', model: id } : null;
  const provider = id.slice(0, colon);
  const model = id.slice(colon + 1);
  return isModelProvider(provider) && model.trim() ? { provider, model } : null;
}

/**
 * What a worker calls for `id`. A run started before model ids had prefixes may carry a bare name
 * with a colon (Ollama's `llama3:8b`): the API refuses such names now, but the worker still sends
 * them whole to MODEL_BASE_URL, as it did when the run started.
 */
export const resolveModelId = (id: string): ModelId => parseModelId(id) ?? { provider: 'compatible', model: id };

/** An agent's `model` as the run spec takes it; an unknown prefix names the known ones. */
export const modelIdSchema = z
  .string()
  .min(1)
  .max(256)
  .superRefine((id, ctx) => {
    if (parseModelId(id)) return;
    const prefix = id.slice(0, id.indexOf(':'));
    ctx.addIssue({
      code: 'custom',
      message: isModelProvider(prefix)
        ? `"${id}" names no model after "${prefix}:"`
        : `unknown model provider "${prefix}" in "${id}": use ${modelProviders.map((provider) => `${provider}:<model>`).join(', ')}, or a name without a colon for MODEL_BASE_URL (a name that holds a colon, such as "llama3:8b", is "compatible:llama3:8b")`,
    });
  });
