import { AppError } from '../../lib/errors';
import { findRun } from '../../lib/runs-store';
import { runBodySchema } from '../../lib/api-client/schemas';
import type { Principal } from '../auth';
import { presentRun, type PresenterContext } from '../presenters';
import { cancelRun, sendMessage, terminateRun, type RunControlDeps } from '../../domains/runs';
import { messageBody, reasonBody, runIdParams } from '../../lib/rest-schemas';
import { defineRoute, type Parsed } from '../route-contract';

type ControlDeps = RunControlDeps & PresenterContext;

async function currentRun(deps: ControlDeps, tenantId: string, id: string) {
  const run = await findRun(deps.db, tenantId, id);
  if (!run) throw new AppError('not_found', `run ${id} not found`);
  return presentRun(deps, run, { withSpec: false });
}

/** Each control route: act as an operator, then answer 202 with the run as it is now (the log shows the outcome). */
const controlRoute = <Body extends typeof reasonBody | typeof messageBody>(
  action: 'cancel' | 'terminate' | 'messages',
  operationId: string,
  summary: string,
  body: Body,
  act: (deps: ControlDeps, principal: Principal, id: string, body: Parsed<Body>) => Promise<void>,
) =>
  defineRoute({
    method: 'post',
    path: `/v1/runs/:id/${action}`,
    operationId,
    summary,
    role: 'operator',
    params: runIdParams,
    body,
    bodyOptional: true,
    success: { status: 202, description: 'accepted; the run as it is now', schema: runBodySchema },
    errors: [400, 401, 403, 404, 409, 503],
    handler: async ({ params, body: parsed, principal }, deps: ControlDeps) => {
      await act(deps, principal, params.id, parsed);
      return { json: { run: await currentRun(deps, principal.tenantId, params.id) } };
    },
  });

/** Cancel, terminate and chat. */
export const runControlRoutes = [
  controlRoute('cancel', 'cancelRun', 'Cancel a run gracefully', reasonBody, (deps, principal, id, { reason }) =>
    cancelRun(deps, principal, id, reason ?? null),
  ),
  controlRoute('terminate', 'terminateRun', 'Terminate a run through Temporal', reasonBody, (deps, principal, id, { reason }) =>
    terminateRun(deps, principal, id, reason ?? null),
  ),
  controlRoute('messages', 'sendRunMessage', 'Send a chat message to an agent run', messageBody, (deps, principal, id, { text }) =>
    sendMessage(deps, principal, id, text),
  ),
];
