import { z } from 'zod';
import { defineTool, shortToolPolicy, type ToolDefinition } from './tool';

const echo = defineTool({
  name: 'builtin.echo',
  description: 'Returns its arguments unchanged. Useful to try a plan, or to pass values between steps.',
  inputSchema: z.record(z.string(), z.json()),
  defaults: shortToolPolicy,
  requiresApproval: false,
  idempotent: true,
  execute: async (args) => args,
});

/** Tools that need no network and no account: always available. */
export const builtinTools: ToolDefinition[] = [echo];
