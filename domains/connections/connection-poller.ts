import type { ConnectionDeps } from './composio-accounts';
import { resumeWaitingRuns } from './resume-waiting-runs';

/**
 * Checks every `intervalMs` whether runs waiting for a connection can go on (the account was
 * connected in Composio's UI, or refreshed), every tenant's runs for their own tenant's user. Each
 * API instance polls; repeats are harmless.
 */
export function startConnectionPoller(deps: ConnectionDeps, intervalMs: number): { stop(): Promise<void> } {
  if (!deps.composio || intervalMs <= 0) return { stop: async () => undefined };
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return; // the last poll is still going
    // One user's Composio error must not stop the pass for every other user's runs.
    running = resumeWaitingRuns(deps, {}, null, (error, composioUserId) =>
      deps.log.warn({ err: error, composioUserId }, "connection poll: could not list a user's accounts; trying again next interval"),
    )
      .then((resumed) => {
        if (resumed.length > 0) deps.log.info({ resumed }, 'connections became active: runs resumed');
      })
      .catch((error: unknown) => deps.log.warn({ err: error }, 'connection poll failed; trying again next interval'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
