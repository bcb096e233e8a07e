import { Router } from 'express';
import { parseOrThrow } from '../../lib/errors';
import { principalWithRole } from '../auth';
import { listConnections, resumeWaitingRuns, startConnection, type ConnectionDeps } from '../../domains/connections';
import { connectionsQuery, createConnectionBody, syncConnectionsBody } from '../../lib/rest-schemas';

/** A Composio user's connected accounts: list (viewer), start one (operator), resume runs waiting for one (operator). */
export function connectionsRouter(deps: ConnectionDeps): Router {
  const router = Router();
  router.get('/connections', async (request, response) => {
    const query = parseOrThrow(connectionsQuery, request.query, 'query');
    principalWithRole(request, 'viewer');
    response.json({ connections: await listConnections(deps, query) });
  });
  router.post('/connections', async (request, response) => {
    const body = parseOrThrow(createConnectionBody, request.body ?? {}, 'body');
    principalWithRole(request, 'operator');
    response.status(201).json({ connection: await startConnection(deps, body) });
  });
  router.post('/connections/sync', async (request, response) => {
    const body = parseOrThrow(syncConnectionsBody, request.body ?? {}, 'body');
    const principal = principalWithRole(request, 'operator');
    response.json({ resumed: await resumeWaitingRuns(deps, { tenantId: principal.tenantId, userId: body.userId }, principal.actor) });
  });
  return router;
}
