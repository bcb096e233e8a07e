import { listApprovals, submitDecision, type ApprovalDeps } from '../../domains/approvals';
import { approvalBodySchema, approvalListSchema } from '../../lib/api-client/schemas';
import { approvalParams, approvalsQuery, decisionBody } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

/** The approvals inbox and decisions. */
export const approvalsRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/approvals',
    operationId: 'listApprovals',
    summary: 'Approvals inbox, pending first',
    role: 'viewer',
    query: approvalsQuery,
    success: { status: 200, description: "the tenant's approvals", schema: approvalListSchema },
    errors: [400, 401, 403],
    handler: async ({ query, principal }, deps: ApprovalDeps) => ({ json: { approvals: await listApprovals(deps.db, principal.tenantId, query) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runs/:id/approvals/:approvalId',
    operationId: 'decideApproval',
    summary: 'Decide on a pending approval (approve, reject, approve with edited args)',
    // Who may decide is checked per approval, against the roles it names as approvers (403 otherwise).
    description: 'Any key may call it; the approval names the roles that may decide it (403 for others).',
    role: 'viewer',
    params: approvalParams,
    body: decisionBody,
    success: { status: 202, description: 'the approval as decided', schema: approvalBodySchema },
    errors: [400, 401, 403, 404, 409, 422, 503],
    handler: async ({ params, body, principal }, deps: ApprovalDeps) => ({
      json: { approval: await submitDecision(deps, principal, params.id, params.approvalId, body) },
    }),
  }),
];
