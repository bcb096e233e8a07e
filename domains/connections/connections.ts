import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ComposioSdk } from '../../tools/composio/composio-sdk';
import { failureForSdkError, providerMessageOf } from '../../tools/tool-errors';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../lib/events';
import type { InFlight } from '../../lib/in-flight';
import type { ConnectionSignalPayload } from '../../lib/workflow-contract';
import { connectionSignal } from '../../workflows/definitions';

export interface ConnectionDeps {
  db: Knex;
  temporal: Client;
  temporalCalls: InFlight;
  /** Null when the Composio provider is off (no COMPOSIO_API_KEY). */
  composio: ComposioSdk | null;
  log: Logger;
}

/** A connected account as the API shows it. */
export interface ConnectionView {
  id: string;
  userId: string;
  toolkit: string;
  status: string;
  statusReason: string | null;
  authConfigId: string;
  createdAt: string;
  updatedAt: string;
}

const signalDeadlineMs = 10_000;

function sdkOf(deps: ConnectionDeps): ComposioSdk {
  if (!deps.composio) throw new AppError('conflict', 'the Composio provider is off: set COMPOSIO_API_KEY');
  return deps.composio;
}

/** Composio's answer as our error: its 4xx is the caller's (422 with its message), the rest is upstream trouble. */
function upstreamError(error: unknown, action: string): AppError {
  const failure = failureForSdkError(error, `Composio ${action}`);
  const message = `Composio ${action}: ${providerMessageOf(error)}`;
  if (failure?.type === 'RateLimited') return new AppError('rate_limited', message);
  if (!failure || failure.type === 'ClientError') return new AppError('validation_failed', message, [], { status: 422 });
  return new AppError('unavailable', message, { errorClass: failure.type });
}

export async function listConnections(deps: ConnectionDeps, query: { userId: string; toolkit?: string; status?: string[] }): Promise<ConnectionView[]> {
  const sdk = sdkOf(deps);
  let page;
  try {
    page = await sdk.connectedAccounts.list({
      userIds: [query.userId],
      ...(query.toolkit ? { toolkitSlugs: [query.toolkit] } : {}),
      ...(query.status ? { statuses: query.status as never } : {}),
    });
  } catch (error) {
    throw upstreamError(error, 'connected accounts list');
  }
  return page.items.map((item) => ({
    id: item.id,
    userId: query.userId,
    toolkit: item.toolkit.slug,
    status: item.status,
    statusReason: item.statusReason ?? null,
    authConfigId: item.authConfig.id,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  }));
}

/** Starts a Composio Connect Link for the user: they finish at `redirectUrl`, then the account turns ACTIVE. */
export async function startConnection(
  deps: ConnectionDeps,
  body: { userId: string; authConfigId: string; callbackUrl?: string },
): Promise<{ id: string; status: string; redirectUrl: string | null }> {
  const sdk = sdkOf(deps);
  try {
    const request = await sdk.connectedAccounts.link(body.userId, body.authConfigId, body.callbackUrl ? { callbackUrl: body.callbackUrl } : {});
    return { id: request.id, status: request.status ?? 'INITIATED', redirectUrl: request.redirectUrl ?? null };
  } catch (error) {
    throw upstreamError(error, 'connect link');
  }
}

interface WaitingRun {
  id: string;
  tenant_id: string;
  user_id: string;
  toolkit: string | null;
}

/**
 * Signals `connection` to every run in `awaiting_connection` (of `scope`) whose user now has an
 * ACTIVE account for the toolkit the run waits for. Returns the runs signalled. Safe to repeat and
 * to run on several API instances at once: a run not waiting (any more) ignores the signal.
 */
export async function resumeWaitingRuns(
  deps: ConnectionDeps,
  scope: { tenantId?: string; userId?: string },
  actor: Actor | null,
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
  for (const userId of new Set(waiting.map((run) => run.user_id))) {
    let active;
    try {
      active = await sdk.connectedAccounts.list({ userIds: [userId], statuses: ['ACTIVE'] });
    } catch (error) {
      throw upstreamError(error, 'connected accounts list');
    }
    const accounts = active.items.map((item) => ({ toolkit: item.toolkit.slug.toLowerCase(), connectedAccountId: item.id }));
    for (const run of waiting.filter((candidate) => candidate.user_id === userId)) {
      const account = accounts.find((candidate) => candidate.toolkit === run.toolkit);
      if (!account) continue;
      const payload: ConnectionSignalPayload = { userId, accounts: [account], actor };
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

/**
 * Checks every `intervalMs` whether runs waiting for a connection can go on (the account was
 * connected in Composio's UI, or refreshed). Each API instance polls; repeats are harmless.
 */
export function startConnectionPoller(deps: ConnectionDeps, intervalMs: number): { stop(): Promise<void> } {
  if (!deps.composio || intervalMs <= 0) return { stop: async () => undefined };
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return; // the last poll is still going
    running = resumeWaitingRuns(deps, {}, null)
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
