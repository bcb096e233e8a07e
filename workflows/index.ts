export { agentRun } from './agent-run';
export { cancelSignal, stateQuery } from './definitions';
export { retentionPurge } from './retention-purge';
export { scheduledRun } from './scheduled-run';
