export { agentRun } from './agent-run';
export { cancelSignal, stateQuery } from './definitions';
export { scheduledRun } from './scheduled-run';
