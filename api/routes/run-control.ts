import { Router } from 'express';
import type { z } from 'zod';
import { AppError, parseOrThrow } from '../../lib/errors';
import { findRun } from '../../lib/runs-store';
import { principalWithRole, type Principal } from '../auth';
import { presentRun, type PresenterContext } from '../presenters';
import { cancelRun, sendMessage, terminateRun, type RunControlDeps } from '../../domains/runs';
import { messageBody, reasonBody, runIdParams } from '../../lib/rest-schemas';

/** Cancel, terminate and chat: each answers 202 with the run as it is now; the log shows the outcome. */
export function runControlRouter(deps: RunControlDeps & PresenterContext): Router {
  const router = Router();
  const currentRun = async (tenantId: string, id: string) => {
    const run = await findRun(deps.db, tenantId, id);
    if (!run) throw new AppError('not_found', `run ${id} not found`);
    return presentRun(deps, run, { withSpec: false });
  };

  /** Each control route: parse path and body, act as an operator, answer 202 with the run as it is now. */
  const control = <Body extends z.ZodType>(action: string, bodySchema: Body, act: (principal: Principal, id: string, body: z.infer<Body>) => Promise<void>) =>
    router.post(`/runs/:id/${action}`, async (request, response) => {
      const { id } = parseOrThrow(runIdParams, request.params, 'path');
      const body = parseOrThrow(bodySchema, request.body ?? {}, 'body');
      const principal = principalWithRole(request, 'operator');
      await act(principal, id, body);
      response.status(202).json({ run: await currentRun(principal.tenantId, id) });
    });

  control('cancel', reasonBody, (principal, id, { reason }) => cancelRun(deps, principal, id, reason ?? null));
  control('terminate', reasonBody, (principal, id, { reason }) => terminateRun(deps, principal, id, reason ?? null));
  control('messages', messageBody, (principal, id, { text }) => sendMessage(deps, principal, id, text));

  return router;
}
