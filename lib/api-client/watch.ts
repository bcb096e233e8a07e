import WebSocket from 'ws';
import { endStatusOf, terminalStatuses, type EndStatus, type RunEvent, type RunStatus } from '../events';
import type { ClientFrame, ServerFrame } from '../stream';
import { FlightdeckApiError } from './errors';
import { isTransient, runReconnectingStream, type ReconnectOptions, type StreamControl, type StreamStatus, type WebSocketLike } from './reconnecting-stream';
import { approvalSchema, type Approval, type Run } from './schemas';

/** Where the stream is and how to open a socket to it. */
export interface StreamTarget {
  baseUrl: string;
  apiKey: string;
  /**
   * A WHATWG WebSocket constructor, e.g. a browser's own. It authenticates with `?token=`, the only
   * way a browser can; by default Node uses the `ws` package with the Authorization header.
   */
  WebSocket?: new (url: string) => WebSocketLike;
}

export type { EndStatus } from '../events';

export interface WatchRunOptions extends ReconnectOptions {
  /** Deliver events with a greater seq (default 0: all of them). */
  afterSeq?: number;
  /** Each event once, in seq order; the next waits until a returned promise settles. Throwing stops the watch. */
  onEvent(event: RunEvent): void | Promise<void>;
  /**
   * A model answer's text as it streams (`delta`), and `delta.reset` when its turn starts over: a
   * retried model call, or a resubscribe after a drop, which sends the text so far again. The
   * turn's `model.called` event then carries the final answer; no delta of that turn follows it.
   */
  onDelta?(delta: AnswerDelta): void | Promise<void>;
  onStatus?(status: StreamStatus): void;
  onSocket?(socket: WebSocketLike): void;
  signal?: AbortSignal;
}

/** The streamed-answer frames of a run (docs/api.md, "Streamed answers"). */
export type AnswerDelta = Extract<ServerFrame, { type: 'delta' | 'delta.reset' }>;

export type WatchRunResult = { outcome: 'ended'; status: EndStatus; lastSeq: number } | { outcome: 'aborted'; lastSeq: number };

/** Where an incoming seq stands against the last one delivered. */
export function classifySeq(seq: number, lastDelivered: number): 'next' | 'duplicate' | 'gap' {
  if (seq <= lastDelivered) return 'duplicate';
  return seq === lastDelivered + 1 ? 'next' : 'gap';
}

/**
 * Follows one run's events until it ends: subscribes with `afterSeq`, and after any drop resumes
 * from the last seq delivered, so `onEvent` sees every seq once, in order, with no gap. Resolves
 * at `run.completed` / `failed` / `cancelled` / `terminated` (or at once if the run had already
 * ended before `afterSeq`), or when `signal` aborts. Rejects with FlightdeckApiError for what
 * retrying cannot fix (401, 403, 404), and with whatever `onEvent` throws.
 */
export async function watchRunEvents(
  deps: { target: StreamTarget; getRun(runId: string): Promise<Run> },
  runId: string,
  options: WatchRunOptions,
): Promise<WatchRunResult> {
  let lastDelivered = options.afterSeq ?? 0;
  let ended: { status: EndStatus } | null = null;
  // Known from the last probe: the run had ended by this seq, so nothing after it needs waiting for.
  let endedBy: { lastSeq: number; status: EndStatus } | null = null;
  // Answers with text delivered and no model.called yet: a resubscribe sends their text so far again.
  const streaming = new Map<string, AnswerDelta>();
  let subscriptions = 0;

  const finishIfCaughtUp = (control: StreamControl) => {
    if (endedBy && lastDelivered >= endedBy.lastSeq) {
      ended = { status: endedBy.status };
      control.finish();
    }
  };

  await runReconnectingStream({
    ...options,
    openSocket: socketOpener(deps.target),
    subscribeFrame: (): ClientFrame => ({ type: 'subscribe', runId, afterSeq: lastDelivered }),
    probe: async () => {
      const run = await deps.getRun(runId);
      endedBy = terminalStatuses.has(run.status) ? { lastSeq: run.lastSeq, status: run.status as EndStatus } : null;
      if (endedBy && lastDelivered >= endedBy.lastSeq) {
        ended = { status: endedBy.status };
        return 'done';
      }
      return 'connect';
    },
    onFrame: async (frame, control) => {
      if (handleCommonFrame(frame, control)) return;
      if (frame.type === 'subscribed' && frame.runId === runId) {
        if (subscriptions++ > 0) {
          for (const answer of streaming.values())
            await options.onDelta?.({ type: 'delta.reset', runId, turn: answer.turn, ...(answer.agent ? { agent: answer.agent } : {}) });
          streaming.clear();
        }
        control.markLive();
        finishIfCaughtUp(control);
        return;
      }
      if ((frame.type === 'delta' || frame.type === 'delta.reset') && frame.runId === runId) {
        if (frame.type === 'delta') streaming.set(`${frame.agent ?? ''}/${frame.turn}`, frame);
        await options.onDelta?.(frame);
        return;
      }
      if (frame.type !== 'event' || frame.runId !== runId) return;
      if (frame.event.type === 'model.called') {
        const { turn, agent } = frame.event.data as { turn: number; agent?: string };
        streaming.delete(`${agent ?? ''}/${turn}`);
      }
      const position = classifySeq(frame.seq, lastDelivered);
      if (position === 'duplicate') return;
      if (position === 'gap') return control.reconnect(`gap: got seq ${frame.seq} after ${lastDelivered}`);
      await options.onEvent(frame.event);
      lastDelivered = frame.seq;
      const endStatus = endStatusOf(frame.event.type);
      if (endStatus) {
        ended = { status: endStatus };
        control.finish();
        return;
      }
      finishIfCaughtUp(control);
    },
  });
  // `ended` is assigned in callbacks; TypeScript's narrowing cannot see that.
  const outcome = ended as { status: EndStatus } | null;
  return outcome ? { outcome: 'ended', status: outcome.status, lastSeq: lastDelivered } : { outcome: 'aborted', lastSeq: lastDelivered };
}

export interface RunsFilter {
  status?: RunStatus[];
  /** A run matches when it has all of them. */
  tags?: string[];
}

export interface WatchRunsOptions extends ReconnectOptions {
  onStatus?(status: StreamStatus): void;
  onSocket?(socket: WebSocketLike): void;
  signal?: AbortSignal;
}

/**
 * Follows the runs list: `onRun` gets each run that changes and matches `filter` (and once more
 * when it stops matching). Updates made while disconnected are not replayed: on 'live' after
 * 'reconnecting', list the runs again. Resolves when `signal` aborts.
 */
export function watchRunsList(
  deps: { target: StreamTarget; checkAccess(): Promise<unknown> },
  filter: RunsFilter,
  onRun: (run: Run) => void | Promise<void>,
  options: WatchRunsOptions = {},
): Promise<void> {
  return watchFeed(deps, { type: 'subscribe', runs: filter }, options, async (frame, control) => {
    if (frame.type === 'subscribed' && frame.runs) control.markLive();
    if (frame.type === 'run') await onRun(frame.run);
  });
}

/**
 * Follows the tenant's approvals inbox (`{subscribe, approvals: true}`): `onApproval` gets each
 * approval requested or changed. Like the runs list, changes made while disconnected are not
 * replayed: on 'live' after 'reconnecting', list the approvals again. Resolves when `signal` aborts.
 */
export function watchApprovalsInbox(
  deps: { target: StreamTarget; checkAccess(): Promise<unknown> },
  onApproval: (approval: Approval) => void | Promise<void>,
  options: WatchRunsOptions = {},
): Promise<void> {
  return watchFeed(deps, { type: 'subscribe', approvals: true }, options, async (frame, control) => {
    if (frame.type === 'subscribed' && frame.approvals) control.markLive();
    if (frame.type !== 'approval') return;
    const approval = approvalSchema.safeParse(frame.approval);
    if (approval.success) await onApproval(approval.data);
  });
}

/** A subscription without a cursor (runs list, approvals): reconnects and resubscribes until `signal` aborts. */
async function watchFeed(
  deps: { target: StreamTarget; checkAccess(): Promise<unknown> },
  subscribeFrame: ClientFrame,
  options: WatchRunsOptions,
  onFrame: (frame: ServerFrame, control: StreamControl) => Promise<void>,
): Promise<void> {
  await runReconnectingStream({
    ...options,
    openSocket: socketOpener(deps.target),
    subscribeFrame: () => subscribeFrame,
    probe: async () => {
      await deps.checkAccess();
      return 'connect';
    },
    onFrame: async (frame, control) => {
      if (handleCommonFrame(frame, control)) return;
      await onFrame(frame, control);
    },
  });
}

/** Error frames: a server-side hiccup is resumed from; anything else (not_found, forbidden) is final. */
function handleCommonFrame(frame: ServerFrame, control: StreamControl): boolean {
  if (frame.type !== 'error') return false;
  const error = FlightdeckApiError.fromFrame(frame.error);
  if (isTransient(error)) control.reconnect(`server error: ${error.code}`);
  else control.fail(error);
  return true;
}

function socketOpener(target: StreamTarget): () => WebSocketLike {
  const url = `${target.baseUrl.replace(/^http/, 'ws')}/v1/stream`;
  const BrowserWebSocket = target.WebSocket;
  if (BrowserWebSocket) return () => new BrowserWebSocket(`${url}?token=${encodeURIComponent(target.apiKey)}`);
  return () => new WebSocket(url, { headers: { authorization: `Bearer ${target.apiKey}` } });
}
