import type { Request, Response } from 'express';
import { AppError } from '../../lib/errors';
import type { Run } from '../../lib/api-client/schemas';
import type { RouteContract } from '../route-contract';
import { runsRoutes } from '../routes/runs';

/** `run://<id>`: a run and its events, as `GET /v1/runs/:id` and `GET /v1/runs/:id/events` read them (same role, same tenant). */
export const runUriTemplate = 'run://{id}';
export const runUri = (id: string) => `run://${id}`;
const runUriPattern = /^run:\/\/([^/?#]+)$/;

export const runResourceTemplate = {
  uriTemplate: runUriTemplate,
  name: 'run',
  title: 'A Flightdeck run',
  description:
    'The run (status, spec, counts) and its events from the first: { run, events, nextAfterSeq, lastSeq }. A long log is cut at one page; read on with GET /v1/runs/:id/events?afterSeq=nextAfterSeq.',
  mimeType: 'application/json',
};

type RunsDeps = (typeof runsRoutes)[number] extends RouteContract<infer D> ? D : never;
const route = (operationId: string) => runsRoutes.find((candidate) => candidate.operationId === operationId)!;
const [listRunsRoute, getRunRoute, eventsRoute] = [route('listRuns'), route('getRun'), route('listRunEvents')];

interface Caller {
  request: Request;
  response: Response;
}

/** One page of the tenant's runs as resources, newest first; `cursor` is list_runs' own. */
export async function listRunResources(cursor: string | undefined, caller: Caller, deps: RunsDeps) {
  const reply = await listRunsRoute.invoke({ params: undefined, query: cursor ? { cursor } : {}, body: undefined }, caller.request, caller.response, deps);
  const page = reply!.json as { runs: Run[]; nextCursor: string | null };
  return {
    resources: page.runs.map((run) => ({
      uri: runUri(run.id),
      name: run.id,
      title: run.name ?? undefined,
      description: `${run.status}, created ${run.createdAt}`,
      mimeType: 'application/json',
    })),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/** The run of a `run://<id>` URI and its first page of events; `not_found` for another tenant's run or a URI of another shape. */
export async function readRunResource(uri: string, caller: Caller, deps: RunsDeps) {
  const id = runUriPattern.exec(uri)?.[1];
  if (!id) throw new AppError('not_found', `no resource ${uri}: run resources are ${runUriTemplate}`, { uri });
  const params = { id: decodeURIComponent(id) };
  const { run } = (await getRunRoute.invoke({ params, query: undefined, body: undefined }, caller.request, caller.response, deps))!.json as { run: Run };
  const page = (await eventsRoute.invoke({ params, query: { limit: 1000 }, body: undefined }, caller.request, caller.response, deps))!.json as Record<
    string,
    unknown
  >;
  return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ run, ...page }) }] };
}
