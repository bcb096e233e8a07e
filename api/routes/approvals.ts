import { Router } from 'express';
import { parseOrThrow } from '../../lib/errors';
import { listApprovals, submitDecision, type ApprovalDeps } from '../../domains/approvals';
import { principalWithRole } from '../auth';
import { approvalParams, approvalsQuery, decisionBody } from '../../lib/rest-schemas';

/** The approvals inbox and decisions. Who may decide is checked per approval (its approvers). */
export function approvalsRouter(deps: ApprovalDeps): Router {
  const router = Router();
  router.get('/approvals', async (request, response) => {
    const query = parseOrThrow(approvalsQuery, request.query, 'query');
    response.json({ approvals: await listApprovals(deps.db, principalWithRole(request, 'viewer').tenantId, query) });
  });
  router.post('/runs/:id/approvals/:approvalId', async (request, response) => {
    const { id, approvalId } = parseOrThrow(approvalParams, request.params, 'path');
    const body = parseOrThrow(decisionBody, request.body, 'body');
    const approval = await submitDecision(deps, principalWithRole(request, 'viewer'), id, approvalId, body);
    response.status(202).json({ approval });
  });
  return router;
}
