import { AppError } from '../../lib/errors';
import { readEventPage } from '../../lib/event-log';
import { runSpecSchema } from '../../lib/run-spec';
import { decodeCursor, findRun, listRuns } from '../../lib/runs-store';
import { eventPageSchema, runDetailBodySchema, runListSchema } from '../../lib/api-client/schemas';
import { presentRun, type PresenterContext } from '../presenters';
import { forkRun, replayRun, startRun, type RunServiceDeps, type StartRunResult } from '../../domains/runs';
import { eventsQuery, forkBody, listRunsQuery, replayBody, runIdParams } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

/** `eventsPageMaxBytes`: FLIGHTDECK_EVENTS_PAGE_MAX_BYTES, the JSON an events page may carry. */
type RunsDeps = RunServiceDeps & PresenterContext & { eventsPageMaxBytes: number };

/** Every start (POST /v1/runs, a replay, a fork): 201 with the new run, 200 with the one its idempotency key names. */
const startedRunSuccess = {
  status: 201,
  description: 'created; 200 when idempotencyKey names an existing run with the same spec',
  schema: runDetailBodySchema,
};
const startedRunReply = (deps: RunsDeps, { run, created }: StartRunResult) => ({
  status: created ? 201 : 200,
  json: { run: presentRun(deps, run, { withSpec: true }) },
});

export const runsRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/runs',
    operationId: 'startRun',
    summary: 'Start a run (idempotent with idempotencyKey)',
    role: 'operator',
    body: runSpecSchema,
    bodyName: 'run spec',
    success: startedRunSuccess,
    errors: [400, 401, 403, 404, 409, 413, 422, 503],
    handler: async ({ body, principal }, deps: RunsDeps) => startedRunReply(deps, await startRun(deps, principal, body)),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runs/:id/replay',
    operationId: 'replayRun',
    summary: "Replay an ended run: its spec again, each tool call answered with the original's recorded result",
    description:
      "Models run live; a tool call the original never made fails the replay with ReplayDiverged. The new run names its origin (`originRunId`); `GET /v1/runs?originRunId=` lists a run's replays and forks.",
    role: 'operator',
    params: runIdParams,
    body: replayBody,
    bodyOptional: true,
    success: startedRunSuccess,
    errors: [400, 401, 403, 404, 409, 422, 503],
    handler: async ({ params, body, principal }, deps: RunsDeps) => startedRunReply(deps, await replayRun(deps, principal, params.id, body)),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runs/:id/fork',
    operationId: 'forkRun',
    summary: 'Fork a run: reuse its results before a step or a seq, run live from there (with another input, if given)',
    role: 'operator',
    params: runIdParams,
    body: forkBody,
    success: startedRunSuccess,
    errors: [400, 401, 403, 404, 409, 422, 503],
    handler: async ({ params, body, principal }, deps: RunsDeps) => startedRunReply(deps, await forkRun(deps, principal, params.id, body)),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/runs',
    operationId: 'listRuns',
    summary: 'List runs, newest first',
    role: 'viewer',
    query: listRunsQuery,
    success: { status: 200, description: 'a page of runs and the cursor of the next', schema: runListSchema },
    errors: [400, 401, 403],
    handler: async ({ query, principal }, deps: RunsDeps) => {
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (cursor === null) throw new AppError('validation_failed', 'invalid cursor', [{ path: 'cursor', message: 'not a cursor this API issued' }]);
      const filter = {
        status: query.status,
        tags: query.tag,
        tool: query.tool,
        createdAfter: query.createdAfter,
        createdBefore: query.createdBefore,
        text: query.q,
        parentRunId: query.parentRunId,
        originRunId: query.originRunId,
      };
      const page = await listRuns(deps.db, principal.tenantId, { limit: query.limit, cursor, filter });
      return { json: { runs: page.runs.map((run) => presentRun(deps, run, { withSpec: false })), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/runs/:id',
    operationId: 'getRun',
    summary: 'One run',
    role: 'viewer',
    params: runIdParams,
    success: { status: 200, description: 'the run, with its spec', schema: runDetailBodySchema },
    errors: [400, 401, 403, 404],
    handler: async ({ params, principal }, deps: RunsDeps) => {
      const run = await findRun(deps.db, principal.tenantId, params.id);
      if (!run) throw new AppError('not_found', `run ${params.id} not found`);
      return { json: { run: presentRun(deps, run, { withSpec: true }) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/runs/:id/events',
    operationId: 'listRunEvents',
    summary: "A run's events after a seq",
    role: 'viewer',
    params: runIdParams,
    query: eventsQuery,
    success: { status: 200, description: 'a page of events', schema: eventPageSchema },
    errors: [400, 401, 403, 404],
    handler: async ({ params, query, principal }, deps: RunsDeps) => {
      const run = await findRun(deps.db, principal.tenantId, params.id);
      if (!run) throw new AppError('not_found', `run ${params.id} not found`);
      const { events } = await readEventPage(deps.db, { tenantId: principal.tenantId, runId: params.id }, { ...query, maxBytes: deps.eventsPageMaxBytes });
      const last = events[events.length - 1];
      return { json: { events, nextAfterSeq: last ? last.seq : query.afterSeq, lastSeq: run.lastSeq } };
    },
  }),
];
