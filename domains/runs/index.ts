export { checkRunSpec, startRun, type RunServiceDeps, type StartRunResult } from './start-run';
export { resolveRunPolicies } from './resolve-policies';
export type { RunControlDeps } from './run-workflow';
export { cancelRun } from './cancel-run';
export { terminateRun } from './terminate-run';
export { sendMessage } from './send-message';
export { forkRun, replayRun } from './derive-run';
