import { Router } from 'express';
import type { Knex } from 'knex';
import { parseOrThrow } from '../../lib/errors';
import { countRunsByStatus } from '../../lib/runs-store';
import { principalOf, principalWithRole } from '../auth';
import { runCountsQuery } from '../../lib/rest-schemas';

/**
 * What a dashboard needs beside the resources: who the key is (`GET /v1/me`, so it can show only
 * what the role allows) and how many runs match a filter, by status (`GET /v1/runs/counts`).
 * Mounted before the runs router so `/runs/counts` is not read as a run id.
 */
export function sessionRouter(deps: { db: Knex }): Router {
  const router = Router();
  router.get('/me', (request, response) => {
    const principal = principalOf(request);
    response.json({ tenantId: principal.tenantId, role: principal.role, superAdmin: principal.superAdmin, actor: principal.actor });
  });
  router.get('/runs/counts', async (request, response) => {
    const query = parseOrThrow(runCountsQuery, request.query, 'query');
    const tenantId = principalWithRole(request, 'viewer').tenantId;
    const counts = await countRunsByStatus(deps.db, tenantId, { tags: query.tag, tool: query.tool, text: query.q });
    response.json({ counts, total: Object.values(counts).reduce((sum, count) => sum + count, 0) });
  });
  return router;
}
