import { Router, type Request } from 'express';
import type { Knex } from 'knex';
import { AppError, parseOrThrow } from '../../lib/errors';
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys';
import { principalWithRole, type Authenticator } from '../auth';
import { createKeyBody, keyIdParams, tenantQuery } from '../schemas';

/** The tenant an admin acts on: their own, or — for the bootstrap admin key only — the one named. */
function targetTenant(request: Request, named: string | undefined): string {
  const principal = principalWithRole(request, 'admin');
  if (named === undefined || named === principal.tenantId) return principal.tenantId;
  if (!principal.superAdmin) throw new AppError('forbidden', 'an admin key manages keys of its own tenant only');
  return named;
}

/** Admin endpoints: create, list and revoke API keys (the key is shown once, at creation). */
export function adminRouter(deps: { db: Knex; authenticator: Authenticator }): Router {
  const router = Router();
  router.post('/admin/keys', async (request, response) => {
    const body = parseOrThrow(createKeyBody, request.body, 'body');
    const tenantId = targetTenant(request, body.tenantId);
    const created = await createApiKey(deps.db, { tenantId, name: body.name, role: body.role, createdBy: principalWithRole(request, 'admin').actor });
    response.status(201).json(created);
  });
  router.get('/admin/keys', async (request, response) => {
    const { tenantId } = parseOrThrow(tenantQuery, request.query, 'query');
    response.json({ keys: await listApiKeys(deps.db, targetTenant(request, tenantId)) });
  });
  router.delete('/admin/keys/:id', async (request, response) => {
    const { id } = parseOrThrow(keyIdParams, request.params, 'path');
    const { tenantId } = parseOrThrow(tenantQuery, request.query, 'query');
    const apiKey = await revokeApiKey(deps.db, targetTenant(request, tenantId), id);
    deps.authenticator.invalidate();
    response.json({ apiKey });
  });
  return router;
}
