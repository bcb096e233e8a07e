import { WorkflowNotFoundError } from '@temporalio/client';
import type { Actor } from '../../lib/events';
import type { ConnectionSignalPayload } from '../../lib/workflow-contract';
import { composioUserIdOf } from '../../tools/composio/composio-users';
import { connectionSignal } from '../../workflows/definitions';
import { sdkOf, upstreamError, type ConnectionDeps } from './composio-accounts';

const signalDeadlineMs = 10_000;

interface WaitingRun {
  id: string;
  tenant_id: string;
  user_id: string;
  toolkit: string | null;
}

/**
 * Signals `connection` to every run in `awaiting_connection` (of `scope`) whose user now has an
 * ACTIVE account for the toolkit the run waits for. A run's user is its tenant's: accounts are
 * listed per (tenant, userId) under the scoped id, so an account of tenant A never resumes tenant
 * B's run of the same `userId`. Returns the runs signalled. Safe to repeat and to run on several API
 * instances at once: a run not waiting (any more) ignores the signal.
 */
export async function resumeWaitingRuns(
  deps: ConnectionDeps,
  scope: { tenantId?: string; userId?: string },
  actor: Actor | null,
  /** Given, a Composio error for one user goes here and the pass goes on with the others (the poller); else it is thrown. */
  onUserError?: (error: unknown, composioUserId: string) => void,
): Promise<Array<{ runId: string; toolkit: string; connectedAccountId: string }>> {
  const sdk = sdkOf(deps);
  const waiting = (
    await deps.db.raw<{ rows: WaitingRun[] }>(
      `SELECT r.id, r.tenant_id, r.spec->>'userId' AS user_id,
              (SELECT e.data->>'toolkit' FROM run_events e WHERE e.run_id = r.id AND e.type = 'connection.required' ORDER BY e.seq DESC LIMIT 1) AS toolkit
       FROM runs r
       WHERE r.status = 'awaiting_connection' AND (?::text IS NULL OR r.tenant_id = ?) AND (?::text IS NULL OR r.spec->>'userId' = ?)`,
      [scope.tenantId ?? null, scope.tenantId ?? null, scope.userId ?? null, scope.userId ?? null],
    )
  ).rows.filter((run) => run.user_id && run.toolkit);
  const resumed: Array<{ runId: string; toolkit: string; connectedAccountId: string }> = [];
  const users = new Map<string, WaitingRun[]>();
  for (const run of waiting) {
    const composioUserId = composioUserIdOf(run.tenant_id, run.user_id);
    users.set(composioUserId, [...(users.get(composioUserId) ?? []), run]);
  }
  for (const [composioUserId, runs] of users) {
    let active;
    try {
      active = await sdk.connectedAccounts.list({ userIds: [composioUserId], statuses: ['ACTIVE'] });
    } catch (error) {
      if (!onUserError) throw upstreamError(error, 'connected accounts list');
      onUserError(error, composioUserId);
      continue;
    }
    const accounts = active.items.map((item) => ({ toolkit: item.toolkit.slug.toLowerCase(), connectedAccountId: item.id }));
    for (const run of runs) {
      const account = accounts.find((candidate) => candidate.toolkit === run.toolkit);
      if (!account) continue;
      // The run's own `userId` (what its connection gate compares), not the scoped id.
      const payload: ConnectionSignalPayload = { userId: run.user_id, accounts: [account], actor };
      try {
        await deps.temporalCalls.track(
          deps.temporal.connection.withDeadline(Date.now() + signalDeadlineMs, () =>
            deps.temporal.workflow.getHandle(run.id).signal(connectionSignal, payload),
          ),
        );
        resumed.push({ runId: run.id, ...account });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) deps.log.warn({ err: error, runId: run.id }, 'could not signal a run waiting for a connection');
      }
    }
  }
  return resumed;
}
