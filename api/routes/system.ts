import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Knex } from 'knex';
import type { ToolRegistry } from '../../tools/registry';
import { AppError } from '../../lib/errors';
import { principalWithRole } from '../auth';
import { pingDb } from '../../lib/db';
import type { InFlight } from '../../lib/in-flight';

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

/** Liveness and readiness: `/healthz` says the process runs; `/readyz` that its database and Temporal answer. */
export function healthRouter(deps: { db: Knex; temporal: Client; temporalCalls: InFlight }): Router {
  const router = Router();
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
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
    if (database === 'ok' && temporal === 'ok') {
      response.json({ status: 'ready', checks });
      return;
    }
    const error = new AppError('unavailable', 'not ready', { checks });
    response.status(error.status).json(error.toBody());
  });
  return router;
}

export function toolsRouter(tools: ToolRegistry): Router {
  const router = Router();
  router.get('/tools', async (request, response) => {
    principalWithRole(request, 'viewer');
    await tools.refresh();
    response.json({ tools: tools.describe() });
  });
  return router;
}
