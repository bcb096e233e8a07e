import { patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { signalSignatureSchema } from '../lib/event-schemas';
import type { SeenSignal, SignalName, SignalRejection, VerifySignalResult } from '../lib/workflow-contract';
import type { RunRecorder } from './run-recorder';

/**
 * Signals are applied only once the worker has verified their signature (lib/signal-signature.ts):
 * each one first runs the `verifySignal` local activity. Histories recorded before it replay with
 * their signals applied as they arrived.
 */
export const signedSignalsPatch = 'signed-signals';

/**
 * Guards the replay check: a signal whose signature the run has already applied is refused
 * (`replayed`), as is one issued a day or more before the newest the run applied (`stale`).
 */
export const signalReplayGuardPatch = 'signal-replay-guard';

/** How long a signature is remembered: older ones are refused as stale, so the memory stays bounded. */
const replayWindowMs = 24 * 60 * 60 * 1000;

const { verifySignal } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
});

/** What to do with a signal once it is checked: apply it, or refuse it (record why; nothing of it is applied). */
export interface SignalHandling {
  apply(): void;
  refuse(reason: SignalRejection): Promise<unknown>;
}

/**
 * Verifies each signal in a local activity, so the keys stay in the worker and the workflow only
 * sees (and its history records) the verdict. Verdicts may come back in any order; signals are
 * applied in the order they arrived, so a decision, an edit or a message keeps its place.
 */
export class SignalVerifier {
  private applied: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private refused = 0;
  /** The MACs of the signed signals this run applied, with when each was issued (ms). */
  private readonly seen: Map<string, number>;
  private newestIssuedMs = 0;

  constructor(private readonly context: Pick<RunRecorder, 'input' | 'recordFinal'>) {
    this.seen = new Map(context.input.carried?.seenSignals ?? []);
    for (const issuedMs of this.seen.values()) this.newestIssuedMs = Math.max(this.newestIssuedMs, issuedMs);
  }

  /** The signatures to remember across continue-as-new. */
  carryOver(): SeenSignal[] {
    return [...this.seen];
  }

  /** No signal is waiting for its verdict (continue-as-new waits for this, so none is lost). */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** The handler's promise: it ends once the signal was applied or its refusal recorded. */
  receive(signal: SignalName, payload: unknown, handling: SignalHandling): Promise<void> {
    if (!patched(signedSignalsPatch)) {
      handling.apply();
      return Promise.resolve();
    }
    this.inFlight += 1;
    const verdict = verifySignal({ workflowId: workflowInfo().workflowId, signal, payload }).catch((): VerifySignalResult => ({
      ok: false,
      reason: 'unverified',
    }));
    const done = this.applied
      .then(async () => {
        const result = await verdict;
        const reason = result.ok ? this.replayProblem(payload) : result.reason;
        if (reason === null) handling.apply();
        else await handling.refuse(reason);
      })
      .finally(() => {
        this.inFlight -= 1;
      });
    this.applied = done.catch(() => undefined);
    return done;
  }

  /**
   * A verified signature is good for one delivery: the same signal captured and sent again (a chat
   * message would arrive twice) is refused. Unsigned signals (no keys, development) pass.
   */
  private replayProblem(payload: unknown): SignalRejection | null {
    const signature = signalSignatureSchema.safeParse((payload as { signature?: unknown } | null)?.signature);
    if (!signature.success || !patched(signalReplayGuardPatch)) return null;
    const { mac, issuedAt } = signature.data;
    if (this.seen.has(mac)) return 'replayed';
    const issuedMs = Date.parse(issuedAt);
    if (!Number.isFinite(issuedMs) || issuedMs <= this.newestIssuedMs - replayWindowMs) return 'stale';
    this.seen.set(mac, issuedMs);
    if (issuedMs > this.newestIssuedMs) {
      this.newestIssuedMs = issuedMs;
      for (const [seenMac, seenMs] of this.seen) if (seenMs <= issuedMs - replayWindowMs) this.seen.delete(seenMac);
    }
    return null;
  }

  /** Records a refused cancel, message or connection signal: who it claims to be is not recorded, since nothing vouches for it. */
  refuse(signal: Exclude<SignalName, 'approval'>, reason: SignalRejection): Promise<unknown> {
    this.refused += 1;
    // Keys are unique across continue-as-new too: each generation numbers its own refusals.
    const generation = this.context.input.carried?.generation ?? 0;
    return this.context.recordFinal([{ type: 'signal.rejected', key: `signal/rejected/${generation}/${this.refused}`, data: { signal, reason } }]);
  }
}
