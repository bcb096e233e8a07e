/**
 * Workflow time. Inside the workflow sandbox `Date.now()` is the current workflow task's time,
 * recorded in history and so replay-safe; the lint rule bans it elsewhere in workflows/ so that
 * every read of the clock goes through here, on purpose.
 */
// eslint-disable-next-line no-restricted-syntax
export const workflowNow = (): number => Date.now();
