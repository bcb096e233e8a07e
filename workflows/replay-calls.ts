/**
 * Bundled only by `npm run replay` (scripts/replay.ts), never by a worker: reports every activity
 * the code schedules during a replay — its sequence number, whether it is local, its type, and for
 * a tool call the step and tool — through a sink. Temporal's own check compares little more than
 * command kinds, and every tool call is an `executeTool` numbered by sequence, so two tool calls
 * swapped replay cleanly there; the script compares these reports with what the history scheduled.
 */
import {
  proxySinks,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type Sinks,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** One activity the code scheduled. */
export interface ReplayedCall {
  seq: number;
  local: boolean;
  activityType: string;
  /** For `executeTool`: the call's step and tool. */
  stepId?: string;
  tool?: string;
}

export interface ReplayCallSinks extends Sinks {
  replayCalls: { called(call: ReplayedCall): void };
}

const { replayCalls } = proxySinks<ReplayCallSinks>();

function report(input: ActivityInput | LocalActivityInput, local: boolean): void {
  const call: ReplayedCall = { seq: input.seq, local, activityType: input.activityType };
  const first = input.args[0] as { stepId?: unknown; tool?: unknown } | undefined;
  if (input.activityType === 'executeTool' && first && typeof first === 'object') {
    if (typeof first.stepId === 'string') call.stepId = first.stepId;
    if (typeof first.tool === 'string') call.tool = first.tool;
  }
  replayCalls.called(call);
}

class ReplayCallsOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    report(input, false);
    return next(input);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    report(input, true);
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new ReplayCallsOutbound()] });
