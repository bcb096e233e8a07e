import { z } from 'zod';
import { modelToolName, type ModelTool } from '../../lib/workflow-contract';
import type { ToolDefinition } from './tool';

/** Public view of a tool, as `GET /v1/tools` serves it. */
export interface ToolDescription {
  name: string;
  provider: string;
  description: string;
  inputSchema: unknown;
  requiresApproval: boolean;
  idempotent: boolean;
  defaults: ToolDefinition['defaults'];
}

/** All tools the worker can run and the API can validate against, by `<provider>.<name>`. */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();

  constructor(tools: Iterable<ToolDefinition>) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is registered twice`);
      this.tools.set(tool.name, tool);
    }
  }

  get(name: string): ToolDefinition | undefined {
    return this.tools.get(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** The named tools as chat-completions function tools, for an agent's model. */
  modelTools(names: string[]): ModelTool[] {
    return names.flatMap((name) => {
      const tool = this.tools.get(name);
      if (!tool) return [];
      return [
        {
          type: 'function' as const,
          function: { name: modelToolName(name), description: tool.description, parameters: jsonSchemaOf(tool) },
        },
      ];
    });
  }

  describe(): ToolDescription[] {
    return [...this.tools.values()]
      .map((tool) => ({
        name: tool.name,
        provider: tool.name.split('.')[0] ?? '',
        description: tool.description,
        inputSchema: jsonSchemaOf(tool),
        requiresApproval: tool.requiresApproval,
        idempotent: tool.idempotent,
        defaults: tool.defaults,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

function jsonSchemaOf(tool: ToolDefinition): unknown {
  return z.toJSONSchema(tool.inputSchema, { unrepresentable: 'any', io: 'input' });
}
