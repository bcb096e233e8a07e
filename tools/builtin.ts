import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createHttpRequestTool } from './http-request';
import { denyPrivateNetworks, type NetworkPolicy } from './network-guard';
import { defineTool, shortToolPolicy, type ToolDefinition } from './tool';
import { clientError, nonRetryableErrorTypes, retryableError } from './tool-errors';
import { FailureType } from '../lib/failure-types';

const echo = defineTool({
  name: 'builtin.echo',
  description: 'Returns its arguments unchanged. Useful to try a plan, or to pass values between steps.',
  inputSchema: z.record(z.string(), z.json()),
  defaults: shortToolPolicy,
  requiresApproval: false,
  idempotent: true,
  short: true,
  execute: async (args) => args,
});

const pathSchema = z.string().regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path like "items.0.name"');

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in current)) throw clientError(`path "${path}" does not exist in value`);
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const jsonTransform = defineTool({
  name: 'builtin.json_transform',
  description: 'Reshapes JSON: `path` returns one value inside `value`; `pick` builds an object of named paths.',
  inputSchema: z
    .object({ value: z.json(), path: pathSchema.optional(), pick: z.record(z.string(), pathSchema).optional() })
    .strict()
    .refine((args) => !(args.path && args.pick), 'give "path" or "pick", not both'),
  defaults: shortToolPolicy,
  requiresApproval: false,
  idempotent: true,
  short: true,
  async execute(args) {
    if (args.path) return at(args.value, args.path);
    if (args.pick) return Object.fromEntries(Object.entries(args.pick).map(([name, path]) => [name, at(args.value, path)]));
    return args.value;
  },
});

const wait = defineTool({
  name: 'builtin.wait',
  description: 'Waits `seconds`, heartbeating every second; cancelling the run stops it at once.',
  inputSchema: z.object({ seconds: z.number().min(0).max(86_400) }).strict(),
  defaults: {
    startToCloseTimeout: '25h',
    heartbeatTimeout: '3s',
    retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes },
  },
  requiresApproval: false,
  idempotent: true,
  async execute(args, context) {
    const until = Date.now() + args.seconds * 1000;
    for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
      context.heartbeat({ remainingMs: left });
      try {
        await sleep(Math.min(1000, left), undefined, { signal: context.signal });
      } catch (error) {
        throw context.signal.aborted ? context.signal.reason : error;
      }
    }
    return { waitedSeconds: args.seconds };
  },
});

const flaky = defineTool({
  name: 'builtin.flaky',
  description: 'Fails its first `failures` attempts (optionally asking for a Retry-After delay), then succeeds. For seeing retries.',
  inputSchema: z.object({ failures: z.number().int().min(0).max(20), retryAfterMs: z.number().int().min(0).max(600_000).optional() }).strict(),
  defaults: {
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 10, initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '5s', nonRetryableErrorTypes },
  },
  requiresApproval: false,
  idempotent: true,
  short: true,
  async execute(args, context) {
    if (context.attempt <= args.failures) {
      throw retryableError(FailureType.FlakyFailure, `attempt ${context.attempt} of ${args.failures + 1} fails on purpose`, args.retryAfterMs);
    }
    return { attempt: context.attempt, failedFirst: args.failures };
  },
});

/** Tools that need no account: always available. */
/** The built-in tools; `builtin.http_request` reaches only what `network` allows. */
export function createBuiltinTools(network: NetworkPolicy = denyPrivateNetworks): ToolDefinition[] {
  return [echo, createHttpRequestTool(network), jsonTransform, wait, flaky];
}

export const builtinTools: ToolDefinition[] = createBuiltinTools();
