import { Router, type Request } from 'express';
import type { Knex } from 'knex';
import { AppError, parseOrThrow } from '../../lib/errors';
import { listAdminAudit, recordAdminAction } from '../../lib/admin-audit';
import { createApiKey, listApiKeys, revokeApiKey } from '../../domains/keys';
import { principalWithRole, type Authenticator } from '../auth';
import { auditQuery, createKeyBody, keyIdParams, tenantQuery } from '../../lib/rest-schemas';

/** The tenant an admin acts on: their own, or — for the bootstrap admin key only — the one named. */
function targetTenant(request: Request, named: string | undefined): string {
  const principal = principalWithRole(request, 'admin');
  if (named === undefined || named === principal.tenantId) return principal.tenantId;
  if (!principal.superAdmin) throw new AppError('forbidden', 'an admin key manages keys of its own tenant only');
  return named;
}

/** Admin endpoints: create, list and revoke API keys (the key is shown once, at creation); the audit trail. */
export function adminRouter(deps: { db: Knex; authenticator: Authenticator }): Router {
  const router = Router();
  router.post('/admin/keys', async (request, response) => {
    const body = parseOrThrow(createKeyBody, request.body, 'body');
    const tenantId = targetTenant(request, body.tenantId);
    const { actor } = principalWithRole(request, 'admin');
    // The key and its audit row land together or not at all.
    const created = await deps.db.transaction(async (trx) => {
      const result = await createApiKey(trx, { tenantId, name: body.name, role: body.role, createdBy: actor });
      await recordAdminAction(trx, { tenantId, actor, action: 'api_key.created', target: result.apiKey.id, details: { name: body.name, role: body.role } });
      return result;
    });
    response.status(201).json(created);
  });
  router.get('/admin/keys', async (request, response) => {
    const { tenantId } = parseOrThrow(tenantQuery, request.query, 'query');
    response.json({ keys: await listApiKeys(deps.db, targetTenant(request, tenantId)) });
  });
  router.delete('/admin/keys/:id', async (request, response) => {
    const { id } = parseOrThrow(keyIdParams, request.params, 'path');
    const { tenantId } = parseOrThrow(tenantQuery, request.query, 'query');
    const target = targetTenant(request, tenantId);
    const { actor } = principalWithRole(request, 'admin');
    const apiKey = await deps.db.transaction(async (trx) => {
      const revoked = await revokeApiKey(trx, target, id);
      await recordAdminAction(trx, { tenantId: target, actor, action: 'api_key.revoked', target: id, details: { name: revoked.name } });
      return revoked;
    });
    deps.authenticator.invalidate();
    response.json({ apiKey });
  });
  router.get('/admin/audit', async (request, response) => {
    const { tenantId, limit, beforeId, action } = parseOrThrow(auditQuery, request.query, 'query');
    response.json(await listAdminAudit(deps.db, { tenantId: targetTenant(request, tenantId), limit, beforeId, action }));
  });
  return router;
}
