import type { StringValue } from '@temporalio/common';
import { condition } from '@temporalio/workflow';
import type { Actor } from '../lib/events';
import type { ConnectionRequiredDetails, ConnectionSignalPayload } from '../lib/workflow-contract';
import type { RunRecorder } from './run-recorder';
import { RunStopped } from './run-stopped';
import { FailureType } from '../lib/failure-types';

const defaultConnectionTimeout: StringValue = '24h';

/** A connected account that turns out unusable again right after it was reported ACTIVE: stop asking after this many waits per call. */
const maxWaitsPerCall = 5;

interface Resolution {
  /** How many `connection` signals named this toolkit: a wait resumes when it grows. */
  count: number;
  connectedAccountId: string;
  actor: Actor | null;
}

function parseSignal(payload: unknown): ConnectionSignalPayload | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const candidate = payload as Partial<ConnectionSignalPayload>;
  if (typeof candidate.userId !== 'string' || !Array.isArray(candidate.accounts)) return null;
  const accounts = candidate.accounts.filter(
    (account): account is { toolkit: string; connectedAccountId: string } =>
      typeof account === 'object' && account !== null && typeof account.toolkit === 'string' && typeof account.connectedAccountId === 'string',
  );
  return { userId: candidate.userId, accounts, actor: candidate.actor ?? null };
}

/**
 * A Composio tool call whose user has no usable connected account: records `connection.required`,
 * shows the run as `awaiting_connection`, and waits for a `connection` signal naming the toolkit
 * (then `connection.resolved`, and the caller calls the tool again) or the timeout (then
 * `connection.expired` and the run fails with `ConnectionRequired`).
 */
export class ConnectionGate {
  private readonly resolutions = new Map<string, Resolution>();
  private waits = 0;

  constructor(private readonly context: Pick<RunRecorder, 'input' | 'record' | 'beginWait' | 'endWait'>) {}

  /**
   * Signals are from the API (or anyone with Temporal access): only the run's own user counts. The
   * signal names the spec's `userId` as given; the API sends it only after finding the accounts of
   * this run's tenant's user (`composioUserIdOf`), so the bare id here cannot mix tenants.
   */
  onSignal(payload: unknown): void {
    const signal = parseSignal(payload);
    if (!signal || signal.userId !== this.context.input.spec.userId) return;
    for (const account of signal.accounts) {
      const toolkit = account.toolkit.toLowerCase();
      const count = (this.resolutions.get(toolkit)?.count ?? 0) + 1;
      this.resolutions.set(toolkit, { count, connectedAccountId: account.connectedAccountId, actor: signal.actor ?? null });
    }
  }

  async await(
    call: { stepId: string; tool: string; round: number },
    missing: ConnectionRequiredDetails,
    message: string,
    timeout: StringValue | undefined,
  ): Promise<void> {
    const toolkit = missing.toolkit.toLowerCase();
    const waitTimeout = timeout ?? defaultConnectionTimeout;
    const stop = (why: string) =>
      new RunStopped({
        message: `${call.tool} needs an active Composio connection for toolkit ${toolkit} of user ${missing.userId}: ${why}`,
        errorClass: FailureType.ConnectionRequired,
        retryable: false,
        step: call.stepId,
      });
    if (call.round > maxWaitsPerCall) throw stop(`still missing after ${maxWaitsPerCall} connections were reported`);
    this.waits += 1;
    const key = `connection/${this.waits}`;
    const seen = this.resolutions.get(toolkit)?.count ?? 0;
    await this.context.record([
      {
        type: 'connection.required',
        key: `${key}/required`,
        data: {
          stepId: call.stepId,
          tool: call.tool,
          toolkit,
          userId: missing.userId,
          connectedAccountId: missing.connectedAccountId,
          message,
          timeout: waitTimeout,
          // Where to start a connection (with an auth config of this toolkit); the API signals this run
          // once the account is ACTIVE.
          connect: { method: 'POST', path: '/v1/connections', body: { userId: missing.userId, authConfigId: `<a Composio auth config of ${toolkit}>` } },
        },
      },
    ]);
    this.context.beginWait('awaiting_connection');
    const connected = await condition(() => (this.resolutions.get(toolkit)?.count ?? 0) > seen, waitTimeout);
    if (connected) {
      const resolution = this.resolutions.get(toolkit)!;
      await this.context.record([
        {
          type: 'connection.resolved',
          key: `${key}/resolved`,
          data: { stepId: call.stepId, toolkit, userId: missing.userId, connectedAccountId: resolution.connectedAccountId },
          actor: resolution.actor,
        },
      ]);
      this.context.endWait('awaiting_connection');
      return;
    }
    await this.context.record([
      { type: 'connection.expired', key: `${key}/expired`, data: { stepId: call.stepId, toolkit, userId: missing.userId, timeout: waitTimeout } },
    ]);
    this.context.endWait('awaiting_connection', { show: false });
    throw stop(`none was connected within ${waitTimeout}`);
  }
}
