import { jsonSchema, type JSONSchema7, type ModelMessage, type Tool, type ToolCallPart } from 'ai';
import type { ChatMessage, ModelTool, ModelToolCall } from '../lib/workflow-contract';

/** A tool call's arguments as the AI SDK takes them: an object (Anthropic refuses anything else). */
function inputOf(call: ModelToolCall): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(call.function.arguments);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    // The model wrote arguments that are not JSON; the workflow answered that call with an error already.
    return {};
  }
}

/**
 * A run's transcript (chat-completions messages, as the workflow keeps it) as AI SDK messages, which
 * every provider package translates to its own API. A tool result names its tool, which the
 * chat-completions shape leaves to the assistant message that asked for it.
 */
export function modelMessagesOf(transcript: ChatMessage[]): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return transcript.map((message): ModelMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant': {
        const calls = message.tool_calls ?? [];
        for (const call of calls) toolNames.set(call.id, call.function.name);
        const toolCalls = calls.map((call): ToolCallPart => ({ type: 'tool-call', toolCallId: call.id, toolName: call.function.name, input: inputOf(call) }));
        return { role: 'assistant', content: [...(message.content ? [{ type: 'text' as const, text: message.content }] : []), ...toolCalls] };
      }
      case 'tool':
        return {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.tool_call_id,
              toolName: toolNames.get(message.tool_call_id) ?? 'unknown',
              output: { type: 'text', value: message.content },
            },
          ],
        };
    }
  });
}

/**
 * The run's tools as an AI SDK tool set: schemas only, no `execute`, so the SDK hands the calls back
 * and the workflow runs them (each its own activity, with its policy and approvals).
 */
export function modelToolSetOf(tools: ModelTool[]): Record<string, Tool> {
  return Object.fromEntries(
    tools.map((tool) => [tool.function.name, { description: tool.function.description, inputSchema: jsonSchema(tool.function.parameters as JSONSchema7) }]),
  );
}
