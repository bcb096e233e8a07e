import type { Run } from '../../lib/api-client/schemas';
import { approvalsRoutes } from '../routes/approvals';
import { definitionsRoutes } from '../routes/definitions';
import { runControlRoutes } from '../routes/run-control';
import { runsRoutes } from '../routes/runs';
import type { RouteContract } from '../route-contract';
import { toolFromRoute, type FlightdeckTool, type ToolCallContext } from './flightdeck-tool';
import { waitForRunTool, type RunFollower } from './wait-for-run';

type ToolRoutes = (typeof runsRoutes)[number] | (typeof runControlRoutes)[number] | (typeof approvalsRoutes)[number] | (typeof definitionsRoutes)[number];
type DepsOf<R> = R extends RouteContract<infer D> ? D : never;
type AllOf<U> = (U extends unknown ? (all: U) => void : never) extends (all: infer I) => void ? I : never;
/** What every tool's route needs (their deps together), and the stream hub for wait_for_run. */
export type ToolDeps = AllOf<DepsOf<ToolRoutes>> & { runFollower: RunFollower };

function routeOf<R extends { operationId: string }>(routes: readonly R[], operationId: string): R {
  const route = routes.find((candidate) => candidate.operationId === operationId);
  if (!route) throw new Error(`no route ${operationId}`);
  return route;
}

const getRunRoute = routeOf(runsRoutes, 'getRun');
const readRun = async (id: string, context: ToolCallContext, deps: ToolDeps) =>
  (await getRunRoute.invoke({ params: { id }, query: undefined, body: undefined }, context.request, context.response, deps))!.json as { run: Run };

const reads = { readOnlyHint: true, idempotentHint: true, openWorldHint: false };

/** Flightdeck's MCP tools, in the order tools/list gives them: each REST route's own schema, role and handler. */
export const flightdeckTools: ReadonlyArray<FlightdeckTool<ToolDeps>> = [
  toolFromRoute(routeOf(definitionsRoutes, 'listDefinitions'), { name: 'list_definitions', title: 'List run definitions', annotations: reads }),
  toolFromRoute(routeOf(runsRoutes, 'startRun'), {
    name: 'start_run',
    title: 'Start a run',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
  toolFromRoute(getRunRoute, { name: 'get_run', title: 'Get a run', annotations: reads }),
  toolFromRoute(routeOf(runsRoutes, 'listRuns'), { name: 'list_runs', title: 'List runs', annotations: reads }),
  waitForRunTool(readRun, (deps: ToolDeps) => deps.runFollower),
  toolFromRoute(routeOf(runControlRoutes, 'cancelRun'), {
    name: 'cancel_run',
    title: 'Cancel a run',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  }),
  toolFromRoute(routeOf(approvalsRoutes, 'listApprovals'), { name: 'list_approvals', title: 'List approvals', annotations: reads }),
  toolFromRoute(routeOf(approvalsRoutes, 'decideApproval'), {
    name: 'decide_approval',
    title: 'Decide an approval',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  }),
  toolFromRoute(routeOf(runControlRoutes, 'sendRunMessage'), {
    name: 'send_message',
    title: 'Send a message to a run',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  }),
];
