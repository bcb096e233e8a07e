import { CancellationScope, isCancellation, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Actor, FailureInfo } from '../lib/events';
import { runCreatedFact, type AgentRunInput, type AgentRunResult, type WorkflowFact } from '../lib/workflow-contract';
import { runAgent, type Inbox } from './agent-loop';
import { approvalSignal, cancelSignal, connectionSignal, messageSignal, stateQuery } from './definitions';
import { runDefinition } from './definition-run';
import { runPlan } from './plan-run';
import { foldedDefinitionStartPatch, foldedRunStartPatch, RunContext } from './run-context';
import { RunStopped } from './run-stopped';
import { FailureType } from '../lib/failure-types';

type Stop = { kind: 'cancel'; reason: string | null; actor: Actor | null; recorded: Promise<unknown> } | { kind: 'deadline' };

/**
 * One run, from `run.started` to `run.completed` / `run.failed` / `run.cancelled`. The mode's work
 * runs in a cancellable scope: the `cancel` signal, the run's deadline and a Temporal cancel all
 * cancel it, and the in-flight tool call is cancelled through its activity's AbortSignal.
 */
export async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
  const context = new RunContext(input);
  const inbox: Inbox = { pending: [] };
  const work = new CancellationScope();
  let stop: Stop | null = null;

  setHandler(stateQuery, () => context.state);
  // Each signal counts only once the worker has verified the API's signature on it (signal-verifier.ts).
  const { signals } = context;
  setHandler(approvalSignal, (payload) =>
    signals.receive('approval', payload, {
      apply: () => context.approvals.onSignal(payload),
      refuse: (reason) => context.approvals.refuseSignal(payload, reason),
    }),
  );
  setHandler(connectionSignal, (payload) =>
    signals.receive('connection', payload, {
      apply: () => context.connections.onSignal(payload),
      refuse: (reason) => signals.refuse('connection', reason),
    }),
  );
  setHandler(messageSignal, (message) =>
    signals.receive('message', message, {
      apply: () => inbox.pending.push({ text: message.text, actor: message.actor ?? null }),
      refuse: (reason) => signals.refuse('message', reason),
    }),
  );
  setHandler(cancelSignal, (request) =>
    signals.receive('cancel', request, {
      apply: () => {
        if (stop) return;
        const reason = request.reason ?? null;
        const actor = request.actor ?? null;
        // The API records the same fact under the same key when the cancel comes through it.
        const recorded = context.recordFinal([{ type: 'run.cancel_requested', key: 'run.cancel_requested', data: { reason }, actor }]);
        stop = { kind: 'cancel', reason, actor, recorded };
        work.cancel();
      },
      refuse: (reason) => signals.refuse('cancel', reason),
    }),
  );

  if (!input.carried) {
    const runStart: WorkflowFact[] = [runCreatedFact(input), { type: 'run.started', key: 'run.started', data: {} }];
    // A plan's first step appends at once (a short tool right after it ran), so the start rides
    // with it; a definition's rides with its first call (definition-run.ts stores it before a long
    // wait). An agent's first append waits for the model, so its start is recorded on its own.
    const foldsStart = input.spec.plan ? patched(foldedRunStartPatch) : input.spec.definition !== undefined && patched(foldedDefinitionStartPatch);
    if (foldsStart) context.leadNextAppend(runStart);
    else await context.record(runStart);
  }
  context.setStatus('running');
  const deadline = input.spec.limits?.deadline;
  if (deadline)
    startDeadline(msToNumber(deadline), input, () => {
      if (stop) return;
      stop = { kind: 'deadline' };
      work.cancel();
    });

  try {
    const output = await work.run<unknown>(() =>
      input.spec.plan ? runPlan(context) : input.spec.definition ? runDefinition(context, inbox) : runAgent(context, inbox),
    );
    await context.record([{ type: 'run.completed', key: 'run.completed', data: { output } }]);
    context.setStatus('completed');
    return { status: 'completed', output };
  } catch (error) {
    if (error instanceof RunStopped) return fail(context, error.failure);
    if (!isCancellation(error)) throw error;
    const stopped = stop as Stop | null;
    if (stopped?.kind === 'deadline') {
      return fail(context, { message: `deadline (${deadline}) exceeded`, errorClass: FailureType.DeadlineExceeded, retryable: false });
    }
    if (stopped) await stopped.recorded;
    await context.recordFinal([{ type: 'run.cancelled', key: 'run.cancelled', data: { reason: stopped?.reason ?? null }, actor: stopped?.actor ?? null }]);
    context.setStatus('cancelled');
    if (stopped) return { status: 'cancelled', output: null };
    throw error; // cancelled through Temporal itself: let it show as Canceled there too
  }
}

/** The deadline counts from the run's first start, across continue-as-new. */
function startDeadline(deadlineMs: number, input: AgentRunInput, onExpired: () => void): void {
  const firstStart = input.carried?.firstStartedAtMs ?? workflowInfo().runStartTime.getTime();
  const elapsed = workflowInfo().runStartTime.getTime() - firstStart;
  const timer = CancellationScope.nonCancellable(() => sleep(Math.max(0, deadlineMs - elapsed)));
  void timer.then(onExpired);
}

async function fail(context: RunContext, failure: FailureInfo & { step?: string }): Promise<never> {
  await context.recordFinal([{ type: 'run.failed', key: 'run.failed', data: { error: failure } }]);
  context.setStatus('failed');
  throw RunStopped.asWorkflowFailure(failure);
}
