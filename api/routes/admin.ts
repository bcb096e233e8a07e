import type { Knex } from 'knex';
import { AppError } from '../../lib/errors';
import { listAdminAudit, recordAdminAction } from '../../lib/admin-audit';
import { adminAuditPageSchema, apiKeyBodySchema, apiKeyListSchema, createdApiKeySchema } from '../../lib/api-client/schemas';
import { createApiKey, listApiKeys, revokeApiKey } from '../../domains/keys';
import type { Authenticator, Principal } from '../auth';
import { auditQuery, createKeyBody, keyIdParams, tenantQuery } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

interface AdminDeps {
  db: Knex;
  authenticator: Authenticator;
}

/** The tenant an admin acts on: their own, or — for the bootstrap admin key only — the one named. */
function targetTenant(principal: Principal, named: string | undefined): string {
  if (named === undefined || named === principal.tenantId) return principal.tenantId;
  if (!principal.superAdmin) throw new AppError('forbidden', 'an admin key manages keys of its own tenant only');
  return named;
}

/** Admin endpoints: create, list and revoke API keys (the key is shown once, at creation); the audit trail. */
export const adminRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/admin/keys',
    operationId: 'createApiKey',
    summary: 'Create an API key (shown once)',
    role: 'admin',
    body: createKeyBody,
    success: { status: 201, description: 'the key (its only showing) and its record', schema: createdApiKeySchema },
    errors: [400, 401, 403],
    handler: async ({ body, principal }, deps: AdminDeps) => {
      const tenantId = targetTenant(principal, body.tenantId);
      const { actor } = principal;
      // The key and its audit row land together or not at all.
      const created = await deps.db.transaction(async (trx) => {
        const result = await createApiKey(trx, { tenantId, name: body.name, role: body.role, createdBy: actor });
        await recordAdminAction(trx, { tenantId, actor, action: 'api_key.created', target: result.apiKey.id, details: { name: body.name, role: body.role } });
        return result;
      });
      return { json: created };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/keys',
    operationId: 'listApiKeys',
    summary: 'List API keys',
    role: 'admin',
    query: tenantQuery,
    success: { status: 200, description: "the tenant's keys (never the secrets)", schema: apiKeyListSchema },
    errors: [400, 401, 403],
    handler: async ({ query, principal }, deps: AdminDeps) => ({ json: { keys: await listApiKeys(deps.db, targetTenant(principal, query.tenantId)) } }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/admin/keys/:id',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    role: 'admin',
    params: keyIdParams,
    query: tenantQuery,
    success: { status: 200, description: 'the key as revoked', schema: apiKeyBodySchema },
    errors: [400, 401, 403, 404],
    handler: async ({ params, query, principal }, deps: AdminDeps) => {
      const target = targetTenant(principal, query.tenantId);
      const apiKey = await deps.db.transaction(async (trx) => {
        const revoked = await revokeApiKey(trx, target, params.id);
        await recordAdminAction(trx, {
          tenantId: target,
          actor: principal.actor,
          action: 'api_key.revoked',
          target: params.id,
          details: { name: revoked.name },
        });
        return revoked;
      });
      deps.authenticator.invalidate();
      return { json: { apiKey } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/audit',
    operationId: 'listAdminAudit',
    summary: 'Admin audit trail (keys, terminations, schedules, retention), newest first',
    role: 'admin',
    query: auditQuery,
    success: { status: 200, description: 'a page of audit entries', schema: adminAuditPageSchema },
    errors: [400, 401, 403],
    handler: async ({ query, principal }, deps: AdminDeps) => {
      const { tenantId, limit, beforeId, action } = query;
      return { json: await listAdminAudit(deps.db, { tenantId: targetTenant(principal, tenantId), limit, beforeId, action }) };
    },
  }),
];
