import { Router } from 'express';
import type { Knex } from 'knex';
import { AppError, parseOrThrow } from '../../lib/errors';
import { verifyRunLog } from '../../lib/verify-chain';
import { principalWithRole } from '../auth';
import { runIdParams } from '../../lib/rest-schemas';

/**
 * `GET /v1/runs/:id/verify`: recomputes the run's hash chain from the stored events. 200 with
 * `ok: false` and the first broken link when the log was tampered with: the check itself worked.
 */
export function verifyRouter(deps: { db: Knex }): Router {
  const router = Router();
  router.get('/runs/:id/verify', async (request, response) => {
    const { id } = parseOrThrow(runIdParams, request.params, 'path');
    const verification = await verifyRunLog(deps.db, { tenantId: principalWithRole(request, 'viewer').tenantId, runId: id });
    if (!verification) throw new AppError('not_found', `run ${id} not found`);
    response.json(verification);
  });
  return router;
}
