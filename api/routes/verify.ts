import type { Knex } from 'knex';
import { AppError } from '../../lib/errors';
import { verifyRunLog } from '../../lib/verify-chain';
import { runVerificationSchema } from '../../lib/api-client/schemas';
import { runIdParams } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

/**
 * `GET /v1/runs/:id/verify`: recomputes the run's hash chain from the stored events. 200 with
 * `ok: false` and the first broken link when the log was tampered with: the check itself worked.
 */
export const verifyRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/runs/:id/verify',
    operationId: 'verifyRun',
    summary: "Verify the run's hash chain; names the first broken link",
    role: 'viewer',
    params: runIdParams,
    success: { status: 200, description: 'ok, or the first broken link', schema: runVerificationSchema },
    errors: [400, 401, 403, 404],
    handler: async ({ params, principal }, deps: { db: Knex }) => {
      const verification = await verifyRunLog(deps.db, { tenantId: principal.tenantId, runId: params.id });
      if (!verification) throw new AppError('not_found', `run ${params.id} not found`);
      return { json: verification };
    },
  }),
];
