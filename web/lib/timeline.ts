import { typedEventData } from '../../lib/event-schemas';
import { isCustomEventType, type Actor, type RunEvent } from '../../lib/events';

/** One attempt of a tool call, folded from its started / succeeded / failed events. */
export interface Attempt {
  key: string;
  attempt: number;
  tool: string;
  startedAt: string | null;
  endedAt: string | null;
  outcome: 'running' | 'succeeded' | 'failed';
  durationMs: number | null;
  errorClass: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
  nextRetryDelayMs: number | null;
  /** The last progress report of the attempt (MCP tools' `tool.call.progress`), and how many came. */
  progress: { progress: number; total: number | null; message: string | null; reports: number } | null;
  seqs: number[];
}

export interface ApprovalEntry {
  seq: number;
  at: string;
  kind: 'requested' | 'submitted' | 'decided' | 'expired';
  decision: string | null;
  comment: string | null;
  who: string[];
  edited: boolean;
}

/** A Composio connection the run waits for (required), got (resolved) or gave up on (expired). */
export interface ConnectionEntry {
  seq: number;
  at: string;
  kind: 'required' | 'resolved' | 'expired';
  toolkit: string;
  userId: string;
  /** Why it is needed (Composio's message), for `required`. */
  hint: string | null;
  timeout: string | null;
  connectedAccountId: string | null;
  who: string | null;
}

export interface ModelCall {
  seq: number;
  at: string;
  turn: number;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  /** What the call cost in USD; null when its model had no price, or the event is older than costs. */
  costUsd: number | null;
  finishReason: string | null;
  toolCalls: string[];
}

/** A definition's own event (`ctx.emit`): its name and its data, as one line of JSON. */
export interface CustomEntry {
  seq: number;
  at: string;
  name: string;
  preview: string;
}

/** How much of a custom event's JSON a row shows. */
const customPreviewChars = 300;

export type TimelineRow =
  | { kind: 'group'; id: string; title: string; subtitle: string | null }
  | { kind: 'attempt'; group: string; attempt: Attempt }
  | { kind: 'approval'; group: string; entry: ApprovalEntry }
  | { kind: 'model'; group: string; call: ModelCall }
  | { kind: 'connection'; group: string; entry: ConnectionEntry }
  | { kind: 'custom'; group: string; entry: CustomEntry }
  | { kind: 'event'; group: string; event: RunEvent }
  /** Steps whose execution overlapped (a plan graph's branches, a forEach): one column per lane, side by side. */
  | { kind: 'lanes'; id: string; lanes: LaneRow[][] };

/** A row inside a lane: a step's header and its items. */
export type LaneRow = Exclude<TimelineRow, { kind: 'lanes' }>;

interface Group {
  id: string;
  title: string;
  subtitle: string | null;
  items: Array<Exclude<LaneRow, { kind: 'group' }>>;
  attempts: Map<string, Attempt>;
  /** The first and last seq of its events: two steps overlapped when these ranges do. */
  firstSeq: number;
  lastSeq: number;
}

const actorName = (actor: Actor | null): string => actor?.name ?? actor?.id ?? 'system';

/**
 * Folds a run's events (in seq order) into rows to draw: a "Run" group for run-level facts and
 * model calls, one group per step with each tool-call attempt (duration, error class, retry
 * delay), its approval's request, submissions and decision (with who decided) and the Composio
 * connection it waited for, then the outcome. Pure, so the
 * live view can refold as events arrive.
 */
export function buildTimeline(events: readonly RunEvent[]): TimelineRow[] {
  const groups = new Map<string, Group>();
  const stepOfApproval = new Map<string, string>();
  const groupOf = (id: string, title: string, subtitle: string | null = null): Group => {
    let group = groups.get(id);
    if (!group) {
      group = { id, title, subtitle, items: [], attempts: new Map(), firstSeq: Number.POSITIVE_INFINITY, lastSeq: 0 };
      groups.set(id, group);
    }
    return group;
  };
  const runGroup = () => groupOf('run', 'Run');
  const stepGroup = (stepId: string, tool: string | null = null) => {
    const group = groupOf(`step:${stepId}`, `Step ${stepId}`, tool);
    group.subtitle ??= tool;
    return group;
  };

  for (const event of events) {
    // Typed by its schema (lib/event-schemas.ts); an event whose data does not fit is shown as it is.
    const typed = typedEventData(event);
    const stepGroupOfEvent = (stepId: string, tool: string | null = null) => {
      const group = stepGroup(stepId, tool);
      group.firstSeq = Math.min(group.firstSeq, event.seq);
      group.lastSeq = Math.max(group.lastSeq, event.seq);
      return group;
    };
    if (!typed) {
      const group = runGroup();
      group.items.push({ kind: 'event', group: group.id, event });
      continue;
    }
    switch (typed.type) {
      case 'step.started':
      case 'step.skipped': {
        const group = stepGroupOfEvent(typed.data.stepId, typed.data.tool);
        group.items.push({ kind: 'event', group: group.id, event });
        break;
      }
      case 'tool.call.started':
      case 'tool.call.progress':
      case 'tool.call.succeeded':
      case 'tool.call.failed': {
        const { data } = typed;
        const group = stepGroupOfEvent(data.stepId, data.tool);
        const key = `${data.activityId}#${data.attempt}`;
        let attempt = group.attempts.get(key);
        if (!attempt) {
          attempt = {
            key,
            attempt: data.attempt,
            tool: data.tool,
            startedAt: null,
            endedAt: null,
            outcome: 'running',
            durationMs: null,
            errorClass: null,
            errorMessage: null,
            retryable: null,
            nextRetryDelayMs: null,
            progress: null,
            seqs: [],
          };
          group.attempts.set(key, attempt);
          group.items.push({ kind: 'attempt', group: group.id, attempt });
        }
        attempt.seqs.push(event.seq);
        if (typed.type === 'tool.call.started') attempt.startedAt = event.at;
        else if (typed.type === 'tool.call.progress') {
          const { progress, total, message } = typed.data;
          attempt.progress = { progress, total: total ?? null, message: message ?? null, reports: (attempt.progress?.reports ?? 0) + 1 };
        } else {
          attempt.endedAt = event.at;
          attempt.durationMs = typed.data.durationMs ?? null;
          attempt.outcome = typed.type === 'tool.call.succeeded' ? 'succeeded' : 'failed';
          if (typed.type === 'tool.call.failed') {
            const { error } = typed.data;
            attempt.errorClass = error.errorClass;
            attempt.errorMessage = error.message;
            attempt.retryable = error.retryable;
            attempt.nextRetryDelayMs = error.nextRetryDelayMs ?? null;
          }
        }
        break;
      }
      case 'approval.requested':
      case 'approval.submitted':
      case 'approval.decided':
      case 'approval.expired': {
        const { approvalId } = typed.data;
        const requested = typed.type === 'approval.requested' ? typed.data : null;
        const stepId = requested?.stepId ?? stepOfApproval.get(approvalId) ?? approvalId.split(':').at(-1) ?? '?';
        stepOfApproval.set(approvalId, stepId);
        const group = stepGroupOfEvent(stepId, requested?.tool ?? null);
        const decided = typed.type === 'approval.decided' ? typed.data : null;
        const submitted = typed.type === 'approval.submitted' ? typed.data : null;
        group.items.push({
          kind: 'approval',
          group: group.id,
          entry: {
            seq: event.seq,
            at: event.at,
            kind: typed.type.slice('approval.'.length) as ApprovalEntry['kind'],
            decision: decided?.decision ?? submitted?.decision ?? null,
            comment: decided?.comment ?? submitted?.comment ?? null,
            who: decided ? decided.by.map(actorName) : event.actor ? [actorName(event.actor)] : [],
            edited: decided?.editedArgs !== undefined || (submitted !== null && submitted.args !== null),
          },
        });
        break;
      }
      case 'connection.required':
      case 'connection.resolved':
      case 'connection.expired': {
        const { data } = typed;
        const required = typed.type === 'connection.required' ? typed.data : null;
        const group = stepGroupOfEvent(data.stepId, required?.tool ?? null);
        group.items.push({
          kind: 'connection',
          group: group.id,
          entry: {
            seq: event.seq,
            at: event.at,
            kind: typed.type.slice('connection.'.length) as ConnectionEntry['kind'],
            toolkit: data.toolkit,
            userId: data.userId,
            hint: required?.message ?? null,
            timeout: typed.type === 'connection.resolved' ? null : typed.data.timeout,
            connectedAccountId: typed.type === 'connection.expired' ? null : (typed.data.connectedAccountId ?? null),
            who: event.actor ? actorName(event.actor) : null,
          },
        });
        break;
      }
      case 'child.started':
      case 'child.completed':
      case 'child.failed': {
        // A child run (ctx.run) sits under the parent's step that started it.
        const group = stepGroupOfEvent(typed.data.step, typed.type === 'child.started' ? `run ${typed.data.definition}` : null);
        group.items.push({ kind: 'event', group: group.id, event });
        break;
      }
      case 'model.called': {
        const { data } = typed;
        const group = runGroup();
        group.items.push({
          kind: 'model',
          group: group.id,
          call: {
            seq: event.seq,
            at: event.at,
            turn: data.turn,
            model: data.model,
            inputTokens: data.usage.inputTokens,
            outputTokens: data.usage.outputTokens,
            cachedInputTokens: data.usage.cachedInputTokens,
            totalTokens: data.usage.totalTokens,
            costUsd: data.costUsd ?? null,
            finishReason: data.finishReason,
            toolCalls: data.toolCalls.map((call) => call.name),
          },
        });
        break;
      }
      case 'run.completed':
      case 'run.failed':
      case 'run.cancelled':
      case 'run.terminated': {
        const group = groupOf('end', 'Outcome');
        group.items.push({ kind: 'event', group: group.id, event });
        break;
      }
      default: {
        const group = runGroup();
        if (isCustomEventType(typed.type)) {
          const json = JSON.stringify(typed.data);
          const preview = json.length > customPreviewChars ? `${json.slice(0, customPreviewChars)}…` : json;
          group.items.push({ kind: 'custom', group: group.id, entry: { seq: event.seq, at: event.at, name: typed.type.slice('custom.'.length), preview } });
        } else group.items.push({ kind: 'event', group: group.id, event });
      }
    }
  }
  // The run's own facts first, its outcome last, the steps between in the order they started.
  const rank = (group: Group) => (group.id === 'run' ? 0 : group.id === 'end' ? 2 : 1);
  const ordered = [...groups.values()].sort((a, b) => rank(a) - rank(b));
  const rowsOf = (group: Group): LaneRow[] => [{ kind: 'group', id: group.id, title: group.title, subtitle: group.subtitle }, ...group.items];
  return bandsOf(ordered).flatMap((band): TimelineRow[] =>
    band.length === 1 ? rowsOf(band[0]!) : [{ kind: 'lanes', id: `lanes:${band[0]!.id}`, lanes: lanesOf(band).map((lane) => lane.flatMap(rowsOf)) }],
  );
}

const isStep = (group: Group) => group.id.startsWith('step:');

/** Consecutive step groups whose seq ranges overlap, as one band; every other group is a band of its own. */
function bandsOf(ordered: Group[]): Group[][] {
  const bands: Group[][] = [];
  let end = 0;
  for (const group of ordered) {
    const band = bands.at(-1);
    if (band && isStep(group) && isStep(band[0]!) && group.firstSeq <= end) band.push(group);
    else bands.push([group]);
    end = Math.max(bands.at(-1) === band ? end : 0, group.lastSeq);
  }
  return bands;
}

/** A band's steps in lanes: each goes to the first lane free by its start, so steps in one lane never overlap. */
function lanesOf(band: Group[]): Group[][] {
  const lanes: Group[][] = [];
  for (const group of band) {
    const lane = lanes.find((candidate) => candidate.at(-1)!.lastSeq < group.firstSeq);
    if (lane) lane.push(group);
    else lanes.push([group]);
  }
  return lanes;
}

/** The conversation of an agent run: the person's messages and the model's answers, in order. */
export interface ChatMessage {
  seq: number;
  at: string;
  from: 'user' | 'assistant';
  text: string;
  who: string | null;
}

export function chatMessages(events: readonly RunEvent[]): ChatMessage[] {
  return events.flatMap((event): ChatMessage[] => {
    if (event.type !== 'message.received' && event.type !== 'model.called') return [];
    const typed = typedEventData(event);
    if (typed?.type === 'message.received') {
      return [{ seq: event.seq, at: event.at, from: 'user', text: typed.data.text, who: event.actor ? actorName(event.actor) : null }];
    }
    if (typed?.type === 'model.called' && typed.data.content) return [{ seq: event.seq, at: event.at, from: 'assistant', text: typed.data.content, who: null }];
    return [];
  });
}
