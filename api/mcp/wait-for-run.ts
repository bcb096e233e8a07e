import { z } from 'zod';
import { parseOrThrow } from '../../lib/errors';
import { endStatusOf, terminalStatuses, type RunEvent } from '../../lib/events';
import { runIdParams } from '../../lib/rest-schemas';
import type { Run } from '../../lib/api-client/schemas';
import { principalOf, type Principal } from '../auth';
import type { FlightdeckTool, ToolCallContext } from './flightdeck-tool';

/** What the tool needs of the ws stream hub (api/stream/hub.ts): one run's events, stored then live. */
export interface RunFollower {
  followRun(principal: Principal, runId: string, afterSeq: number, onEvent: (event: RunEvent) => void): Promise<() => void>;
}

/** The longest one call may wait: a client that wants longer calls again (each call is one HTTP request held open). */
export const maxWaitSeconds = 300;

export const waitForRunArgs = z
  .object({
    runId: runIdParams.shape.id,
    timeoutSeconds: z.number().int().min(1).max(maxWaitSeconds).default(60),
  })
  .strict();

/**
 * `wait_for_run`: the run as `get_run` reads it (so the same role and tenant rules), once it has
 * ended or the timeout passed. Meanwhile every event the run appends is a progress notification
 * (its seq as the progress, after a first one at the seq the wait starts from), from the stream
 * hub's feed: in order, none skipped.
 */
export function waitForRunTool<D>(
  getRun: (id: string, context: ToolCallContext, deps: D) => Promise<{ run: Run }>,
  follower: (deps: D) => RunFollower,
): FlightdeckTool<D> {
  return {
    name: 'wait_for_run',
    title: 'Wait for a run to end',
    description: `Waits until the run ends (completed, failed, cancelled, terminated) or timeoutSeconds pass (at most ${maxWaitSeconds}), sending each new event as a progress notification; returns the run and whether it ended. Needs the viewer role.`,
    inputSchema: waitForRunArgs,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    async call(args, context, deps) {
      const { runId, timeoutSeconds } = parseOrThrow(waitForRunArgs, args, 'arguments');
      const first = await getRun(runId, context, deps);
      if (terminalStatuses.has(first.run.status)) return { ...first, ended: true };
      // The first notification says where the wait starts; whatever is appended from here on follows it.
      await context.progress(first.run.lastSeq, `waiting for ${runId} (${first.run.status}) after seq ${first.run.lastSeq}`);
      let ended = false;
      let stop: (() => void) | null = null;
      let settled = false;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(), timeoutSeconds * 1000);
        const finish = (error?: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          context.signal.removeEventListener('abort', onAbort);
          stop?.();
          if (error === undefined) resolve();
          else reject(error);
        };
        const onAbort = () => finish();
        context.signal.addEventListener('abort', onAbort);
        if (context.signal.aborted) return finish();
        // From the seq the first read saw: an end appended since is replayed from the table, not missed.
        follower(deps)
          .followRun(principalOf(context.request), runId, first.run.lastSeq, (event) => {
            if (settled) return;
            context.progress(event.seq, event.type).catch(() => undefined); // a client gone: the abort ends the wait
            if (endStatusOf(event.type)) {
              ended = true;
              finish();
            }
          })
          .then(
            (stopFollowing) => {
              stop = stopFollowing;
              if (settled) stopFollowing();
            },
            (error: unknown) => finish(error),
          );
      });
      return { ...(await getRun(runId, context, deps)), ended };
    },
  };
}
