/**
 * `npm run replay`'s comparison: the activities a history scheduled, by sequence number, against
 * those the current code scheduled while replaying it (workflows/replay-calls.ts), and Temporal's
 * own nondeterminism message, made readable.
 */
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { ReplayedCall } from '../workflows/replay-calls';

type History = temporal.api.history.v1.IHistory;

/** An activity the history scheduled: the event that holds it, and what the code must schedule at its seq. */
export interface RecordedCall extends ReplayedCall {
  eventId: number;
}

async function decoded(payload: Payload | null | undefined, codec: PayloadCodec | null): Promise<unknown> {
  if (!payload) return undefined;
  try {
    const [plain] = codec ? await codec.decode([payload]) : [payload];
    return defaultPayloadConverter.fromPayload(plain!);
  } catch {
    return undefined; // a payload this key list cannot open: compared by kind and type only
  }
}

/** The first argument of an `agentRun` start, when readable: its `runId` is the workflow id. */
export async function runIdOfHistory(history: History, codec: PayloadCodec | null): Promise<string | undefined> {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = (await decoded(started?.input?.payloads?.[0], codec)) as { runId?: unknown } | undefined;
  return typeof input?.runId === 'string' ? input.runId : undefined;
}

/** The activities of `history` by sequence number: ordinary ones from ActivityTaskScheduled, local ones from their markers. */
export async function recordedCalls(history: History, codec: PayloadCodec | null): Promise<Map<number, RecordedCall>> {
  const calls = new Map<number, RecordedCall>();
  for (const event of history.events ?? []) {
    const eventId = Number(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled && /^\d+$/.test(scheduled.activityId ?? '')) {
      const seq = Number(scheduled.activityId);
      const call: RecordedCall = { seq, eventId, local: false, activityType: scheduled.activityType?.name ?? '' };
      if (call.activityType === 'executeTool') {
        const input = (await decoded(scheduled.input?.payloads?.[0], codec)) as { stepId?: unknown; tool?: unknown } | undefined;
        if (typeof input?.stepId === 'string') call.stepId = input.stepId;
        if (typeof input?.tool === 'string') call.tool = input.tool;
      }
      calls.set(seq, call);
    }
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = (await decoded(marker.details?.data?.payloads?.[0], codec)) as { seq?: unknown; activity_type?: unknown } | undefined;
      if (typeof data?.seq === 'number' && !calls.has(data.seq)) {
        calls.set(data.seq, { seq: data.seq, eventId, local: true, activityType: String(data.activity_type ?? '') });
      }
    }
  }
  return calls;
}

const describeCall = (call: ReplayedCall): string =>
  `${call.activityType} (${call.local ? 'a local activity' : 'an activity'})` +
  (call.stepId !== undefined ? ` for step "${call.stepId}"${call.tool ? ` (${call.tool})` : ''}` : '');

const differs = (recorded: RecordedCall, code: ReplayedCall): boolean =>
  recorded.local !== code.local ||
  recorded.activityType !== code.activityType ||
  (recorded.stepId !== undefined && code.stepId !== undefined && (recorded.stepId !== code.stepId || recorded.tool !== code.tool));

/**
 * The first activity the code scheduled otherwise than the history did, as a sentence naming the
 * history's event; null when they agree. Only sequence numbers both have are compared: a history
 * cut short has fewer, and an activity cancelled before it was sent has none.
 */
export function firstDifference(recorded: Map<number, RecordedCall>, code: ReplayedCall[]): string | null {
  const seen = new Set<number>();
  for (const call of [...code].sort((a, b) => a.seq - b.seq)) {
    if (seen.has(call.seq)) continue;
    seen.add(call.seq);
    const expected = recorded.get(call.seq);
    if (expected && differs(expected, call)) {
      return `event ${expected.eventId} (activity #${call.seq}): the history has ${describeCall(expected)}; the code scheduled ${describeCall(call)}`;
    }
  }
  return null;
}

/**
 * Temporal's reason, without the SDK's wrapping (`Workflow activation completion failed: Failure {
 * failure: Some(Failure { message: "…" …`), and an activity it names by sequence (`LocalActivity(2)`)
 * pointed at the history's event.
 */
export function temporalReason(message: string, recorded: Map<number, RecordedCall>): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1]?.replace(/\\"/g, '"');
  let reason = inner ?? message.replace(/^Replay failed[^:]*: (Details: )?/, '').replace(/^.*Details: /, '');
  const named = /(LocalActivity|Activity)\((\d+)\)/.exec(reason);
  const call = named ? recorded.get(Number(named[2])) : undefined;
  if (call) reason += ` (activity #${call.seq} is event ${call.eventId} of the history: ${describeCall(call)})`;
  return reason;
}
