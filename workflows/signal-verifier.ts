import { patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SignalName, SignalRejection, VerifySignalResult } from '../lib/workflow-contract';
import type { RunRecorder } from './run-recorder';

/**
 * Signals are applied only once the worker has verified their signature (lib/signal-signature.ts):
 * each one first runs the `verifySignal` local activity. Histories recorded before it replay with
 * their signals applied as they arrived.
 */
export const signedSignalsPatch = 'signed-signals';

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

  constructor(private readonly context: Pick<RunRecorder, 'input' | 'recordFinal'>) {}

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
        if (result.ok) handling.apply();
        else await handling.refuse(result.reason);
      })
      .finally(() => {
        this.inFlight -= 1;
      });
    this.applied = done.catch(() => undefined);
    return done;
  }

  /** Records a refused cancel, message or connection signal: who it claims to be is not recorded, since nothing vouches for it. */
  refuse(signal: Exclude<SignalName, 'approval'>, reason: SignalRejection): Promise<unknown> {
    this.refused += 1;
    // Keys are unique across continue-as-new too: each generation numbers its own refusals.
    const generation = this.context.input.carried?.generation ?? 0;
    return this.context.recordFinal([{ type: 'signal.rejected', key: `signal/rejected/${generation}/${this.refused}`, data: { signal, reason } }]);
  }
}
