export type { ConnectionDeps, ConnectionView } from './composio-accounts';
export { listConnections } from './list-connections';
export { startConnection } from './start-connection';
export { resumeWaitingRuns } from './resume-waiting-runs';
export { startConnectionPoller } from './connection-poller';
