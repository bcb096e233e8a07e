import { adminRoutes } from './admin';
import { approvalsRoutes } from './approvals';
import { codecRoutes } from './codec';
import { connectionsRoutes } from './connections';
import { definitionsRoutes } from './definitions';
import { docsRoutes } from './docs';
import { mcpRoutes } from './mcp';
import { mcpServersRoutes } from './mcp-servers';
import { metricsRoutes } from './metrics';
import { runControlRoutes } from './run-control';
import { runStreamRoutes } from './run-stream';
import { runsRoutes } from './runs';
import { schedulesRoutes } from './schedules';
import { sessionRoutes } from './session';
import { healthRoutes, toolsRoutes } from './system';
import { usageRoutes } from './usage';
import { verifyRoutes } from './verify';

/**
 * Every REST route, in the order Express tries them: the public ones (probes, metrics, the API's
 * documents), then the keyed ones under `/v1`. The session routes precede the runs routes so
 * `/v1/runs/counts` is not read as a run id.
 */
export const restRoutes = [
  ...healthRoutes,
  ...metricsRoutes,
  ...docsRoutes,
  ...toolsRoutes,
  ...definitionsRoutes,
  ...sessionRoutes,
  ...runsRoutes,
  ...runStreamRoutes,
  ...runControlRoutes,
  ...approvalsRoutes,
  ...connectionsRoutes,
  ...schedulesRoutes,
  ...adminRoutes,
  ...mcpServersRoutes,
  ...usageRoutes,
  ...verifyRoutes,
  ...codecRoutes,
  ...mcpRoutes,
];
