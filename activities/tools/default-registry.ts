import { builtinTools } from './builtin';
import { ToolRegistry } from './registry';

/** The tools this installation offers: built-ins always; Composio's join when configured. */
export function createToolRegistry(): ToolRegistry {
  return new ToolRegistry(builtinTools);
}
