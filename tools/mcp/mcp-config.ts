import { z } from 'zod';
import { jsonEnv } from '../../lib/json-env';
import { durationSchema } from '../../lib/run-spec';

/**
 * The MCP provider's configuration: which MCP servers' tools a worker runs and the API lists and
 * validates. `FLIGHTDECK_MCP_SERVERS` is one JSON object of servers by name; the process env schemas
 * (worker/env.ts, api/env.ts) include `mcpShape`.
 */

/** A server's name is the middle part of `mcp.<server>.<tool>`: no `.`, so a tool name may hold them. */
export const mcpServerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a server name is 1–64 of A-Z, a-z, 0-9, "_" and "-" (no ".": it separates server from tool)');

/** What every server may set besides how to reach it. */
const serverPolicyFields = {
  /** A call's timeout unless a step overrides it (`timeout`): the SDK sends `notifications/cancelled` when it passes. */
  timeout: durationSchema.optional(),
  /** Retry results with `isError: true` like transient failures (default: a tool error is final). */
  retryToolErrors: z.boolean().optional(),
};

/** A server the worker starts as a child process and speaks to over stdin/stdout. */
export const mcpStdioServerSchema = z
  .object({
    command: z.string().trim().min(1),
    args: z.array(z.string()).max(256).optional(),
    /** Added to a minimal inherited environment (PATH, HOME, …; the SDK's `getDefaultEnvironment`). */
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
    ...serverPolicyFields,
  })
  .strict();

/** A server reached over Streamable HTTP. Header values are secrets: never served, logged or put in events. */
export const mcpHttpServerSchema = z
  .object({
    url: z
      .string()
      .trim()
      .url()
      .refine((url) => /^https?:\/\//i.test(url), 'must be an http:// or https:// URL'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name'), z.string()).optional(),
    ...serverPolicyFields,
  })
  .strict();

export const mcpServerConfigSchema = z.union([mcpStdioServerSchema, mcpHttpServerSchema], {
  error: 'a server is { "command", "args"?, "env"? } (stdio) or { "url", "headers"? } (Streamable HTTP)',
});
export type McpServerConfig = z.infer<typeof mcpServerConfigSchema>;
export type McpStdioServerConfig = z.infer<typeof mcpStdioServerSchema>;
export type McpHttpServerConfig = z.infer<typeof mcpHttpServerSchema>;

const tenantStdioRefusal =
  'a tenant registers Streamable HTTP servers only ("url"): a stdio server ("command", "args", "env", "cwd") would run a process on the worker, which only FLIGHTDECK_MCP_SERVERS may configure';
const stdioKeys = new Set(['command', 'args', 'env', 'cwd']);

/** A server a tenant's admin registers (POST /v1/mcp-servers): the HTTP shape and its name; stdio is refused by name. */
export const tenantMcpServerSchema = z.strictObject(
  { name: mcpServerNameSchema, ...mcpHttpServerSchema.shape },
  { error: (issue) => (issue.code === 'unrecognized_keys' && issue.keys.some((key) => stdioKeys.has(key)) ? tenantStdioRefusal : undefined) },
);
export type TenantMcpServerBody = z.infer<typeof tenantMcpServerSchema>;

export const isStdioServer = (config: McpServerConfig): config is McpStdioServerConfig => 'command' in config;

export const mcpServersSchema = z.record(mcpServerNameSchema, mcpServerConfigSchema);
export type McpServers = z.infer<typeof mcpServersSchema>;

/** `FLIGHTDECK_MCP_SERVERS`: JSON, checked at boot; unset or empty is no servers. */
export const mcpServersEnvSchema = jsonEnv(mcpServersSchema, {}).describe(
  'MCP servers whose tools runs may call, as JSON `{ "<server>": { "command", "args"?, "env"?, "cwd"? } | { "url", "headers"? } }` (each may add `timeout` and `retryToolErrors`); tools are named `mcp.<server>.<tool>`.',
);

/** FLIGHTDECK_MCP_MAX_RESULT_BYTES's default: larger than a text answer needs, small enough to hold in memory per call. */
export const defaultMcpMaxResultBytes = 4 * 1024 * 1024;

/** Both the worker (runs MCP tools) and the API (lists and validates them) read these. */
export const mcpShape = {
  FLIGHTDECK_MCP_SERVERS: mcpServersEnvSchema,
  FLIGHTDECK_MCP_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(defaultMcpMaxResultBytes)
    .describe('An MCP tool result larger than this many bytes (as JSON) fails its call with `OutputTooLarge` (not retried).'),
};

export type McpEnv = z.infer<z.ZodObject<typeof mcpShape>>;
