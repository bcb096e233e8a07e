import { Router } from 'express';
import { AppError, parseOrThrow } from '../../lib/errors';
import { findRun } from '../../lib/runs-store';
import { principalWithRole } from '../auth';
import { presentRun, type PresenterContext } from '../presenters';
import { cancelRun, sendMessage, terminateRun, type RunControlDeps } from '../run-control';
import { messageBody, reasonBody, runIdParams } from '../schemas';

/** Cancel, terminate and chat: each answers 202 with the run as it is now; the log shows the outcome. */
export function runControlRouter(deps: RunControlDeps & PresenterContext): Router {
  const router = Router();
  const currentRun = async (tenantId: string, id: string) => {
    const run = await findRun(deps.db, tenantId, id);
    if (!run) throw new AppError('not_found', `run ${id} not found`);
    return presentRun(deps, run, { withSpec: false });
  };

  router.post('/runs/:id/cancel', async (request, response) => {
    const { id } = parseOrThrow(runIdParams, request.params, 'path');
    const { reason } = parseOrThrow(reasonBody, request.body ?? {}, 'body');
    const principal = principalWithRole(request, 'operator');
    await cancelRun(deps, principal, id, reason ?? null);
    response.status(202).json({ run: await currentRun(principal.tenantId, id) });
  });

  router.post('/runs/:id/terminate', async (request, response) => {
    const { id } = parseOrThrow(runIdParams, request.params, 'path');
    const { reason } = parseOrThrow(reasonBody, request.body ?? {}, 'body');
    const principal = principalWithRole(request, 'operator');
    await terminateRun(deps, principal, id, reason ?? null);
    response.status(202).json({ run: await currentRun(principal.tenantId, id) });
  });

  router.post('/runs/:id/messages', async (request, response) => {
    const { id } = parseOrThrow(runIdParams, request.params, 'path');
    const { text } = parseOrThrow(messageBody, request.body, 'body');
    const principal = principalWithRole(request, 'operator');
    await sendMessage(deps, principal, id, text);
    response.status(202).json({ run: await currentRun(principal.tenantId, id) });
  });

  return router;
}
