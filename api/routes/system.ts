import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ToolRegistry } from '../../tools/registry';
import { AppError } from '../../lib/errors';
import { healthSchema, readinessSchema, toolListSchema } from '../../lib/api-client/schemas';
import { pingDb } from '../../lib/db';
import type { InFlight } from '../../lib/in-flight';
import { defineRoute } from '../route-contract';

const probeTimeoutMs = 2_000;

async function probe(check: () => Promise<unknown>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

interface ProbeDeps {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
}

/** Liveness and readiness: `/healthz` says the process runs; `/readyz` that its database and Temporal answer. */
export const healthRoutes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    summary: 'Liveness',
    role: 'public',
    success: { status: 200, description: 'the process runs', schema: healthSchema },
    errors: [],
    handler: () => ({ json: { status: 'ok' } }),
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: Postgres and Temporal answer',
    role: 'public',
    success: { status: 200, description: 'both answer', schema: readinessSchema },
    errors: [503],
    handler: async (_call, deps: ProbeDeps) => {
      const [database, temporal] = await Promise.all([
        probe(() => pingDb(deps.db)),
        // A deadline, not just the race: the client would otherwise keep retrying after we gave up.
        probe(() =>
          deps.temporalCalls.track(
            deps.temporal.connection.withDeadline(Date.now() + probeTimeoutMs, () => deps.temporal.connection.workflowService.getSystemInfo({})),
          ),
        ),
      ]);
      const checks = { database, temporal };
      if (database === 'ok' && temporal === 'ok') return { json: { status: 'ready', checks } };
      const error = new AppError('unavailable', 'not ready', { checks });
      return { status: error.status, json: error.toBody() };
    },
  }),
];

export const toolsRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/tools',
    operationId: 'listTools',
    summary: 'Tool catalog with input schemas',
    role: 'viewer',
    success: { status: 200, description: 'the tools runs may call', schema: toolListSchema },
    errors: [401, 403],
    handler: async ({ principal }, deps: { tools: ToolRegistry }) => {
      // The caller's tenant's view: the installation's tools and the tenant's own MCP servers'.
      const tools = deps.tools.forTenant(principal.tenantId);
      await tools.refresh();
      return { json: { tools: tools.describe() } };
    },
  }),
];
