import { Router } from 'express';
import { AppError, parseOrThrow } from '../../lib/errors';
import { readEvents } from '../../lib/event-log';
import { runSpecSchema } from '../../lib/run-spec';
import { decodeCursor, findRun, listRuns } from '../../lib/runs-store';
import { principalWithRole } from '../auth';
import { presentRun, type PresenterContext } from '../presenters';
import { startRun, type RunServiceDeps } from '../../domains/runs';
import { eventsQuery, listRunsQuery, runIdParams } from '../../lib/rest-schemas';

export function runsRouter(deps: RunServiceDeps & PresenterContext): Router {
  const router = Router();

  router.post('/runs', async (request, response) => {
    const spec = parseOrThrow(runSpecSchema, request.body, 'run spec');
    const { run, created } = await startRun(deps, principalWithRole(request, 'operator'), spec);
    response.status(created ? 201 : 200).json({ run: presentRun(deps, run, { withSpec: true }) });
  });

  router.get('/runs', async (request, response) => {
    const query = parseOrThrow(listRunsQuery, request.query, 'query');
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) throw new AppError('validation_failed', 'invalid cursor', [{ path: 'cursor', message: 'not a cursor this API issued' }]);
    const filter = {
      status: query.status,
      tags: query.tag,
      tool: query.tool,
      createdAfter: query.createdAfter,
      createdBefore: query.createdBefore,
      text: query.q,
    };
    const page = await listRuns(deps.db, principalWithRole(request, 'viewer').tenantId, { limit: query.limit, cursor, filter });
    response.json({ runs: page.runs.map((run) => presentRun(deps, run, { withSpec: false })), nextCursor: page.nextCursor });
  });

  router.get('/runs/:id', async (request, response) => {
    const { id } = parseOrThrow(runIdParams, request.params, 'path');
    const run = await findRun(deps.db, principalWithRole(request, 'viewer').tenantId, id);
    if (!run) throw new AppError('not_found', `run ${id} not found`);
    response.json({ run: presentRun(deps, run, { withSpec: true }) });
  });

  router.get('/runs/:id/events', async (request, response) => {
    const { id } = parseOrThrow(runIdParams, request.params, 'path');
    const query = parseOrThrow(eventsQuery, request.query, 'query');
    const tenantId = principalWithRole(request, 'viewer').tenantId;
    const run = await findRun(deps.db, tenantId, id);
    if (!run) throw new AppError('not_found', `run ${id} not found`);
    const events = await readEvents(deps.db, { tenantId, runId: id }, query);
    const last = events[events.length - 1];
    response.json({ events, nextAfterSeq: last ? last.seq : query.afterSeq, lastSeq: run.lastSeq });
  });

  return router;
}
