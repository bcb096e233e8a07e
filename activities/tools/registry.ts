import { z } from 'zod';
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

  describe(): ToolDescription[] {
    return [...this.tools.values()]
      .map((tool) => ({
        name: tool.name,
        provider: tool.name.split('.')[0] ?? '',
        description: tool.description,
        inputSchema: z.toJSONSchema(tool.inputSchema, { unrepresentable: 'any' }),
        requiresApproval: tool.requiresApproval,
        idempotent: tool.idempotent,
        defaults: tool.defaults,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
