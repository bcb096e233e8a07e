import type { RunEvent } from '../../lib/events';

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
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  finishReason: string | null;
  toolCalls: string[];
}

export type TimelineRow =
  | { kind: 'group'; id: string; title: string; subtitle: string | null }
  | { kind: 'attempt'; group: string; attempt: Attempt }
  | { kind: 'approval'; group: string; entry: ApprovalEntry }
  | { kind: 'model'; group: string; call: ModelCall }
  | { kind: 'connection'; group: string; entry: ConnectionEntry }
  | { kind: 'event'; group: string; event: RunEvent };

interface Group {
  id: string;
  title: string;
  subtitle: string | null;
  items: Array<Exclude<TimelineRow, { kind: 'group' }>>;
  attempts: Map<string, Attempt>;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const actorName = (value: unknown): string => {
  const actor = record(value);
  return str(actor.name) ?? str(actor.id) ?? 'system';
};

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
      group = { id, title, subtitle, items: [], attempts: new Map() };
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
    const data = event.data;
    switch (event.type) {
      case 'step.started': {
        const group = stepGroup(str(data.stepId) ?? '?', str(data.tool));
        group.items.push({ kind: 'event', group: group.id, event });
        break;
      }
      case 'tool.call.started':
      case 'tool.call.succeeded':
      case 'tool.call.failed': {
        const group = stepGroup(str(data.stepId) ?? '?', str(data.tool));
        const attemptNo = num(data.attempt) ?? 1;
        const key = `${str(data.activityId) ?? ''}#${attemptNo}`;
        let attempt = group.attempts.get(key);
        if (!attempt) {
          attempt = {
            key,
            attempt: attemptNo,
            tool: str(data.tool) ?? '?',
            startedAt: null,
            endedAt: null,
            outcome: 'running',
            durationMs: null,
            errorClass: null,
            errorMessage: null,
            retryable: null,
            nextRetryDelayMs: null,
            seqs: [],
          };
          group.attempts.set(key, attempt);
          group.items.push({ kind: 'attempt', group: group.id, attempt });
        }
        attempt.seqs.push(event.seq);
        if (event.type === 'tool.call.started') attempt.startedAt = event.at;
        else {
          attempt.endedAt = event.at;
          attempt.durationMs = num(data.durationMs);
          attempt.outcome = event.type === 'tool.call.succeeded' ? 'succeeded' : 'failed';
          const error = record(data.error);
          attempt.errorClass = str(error.errorClass);
          attempt.errorMessage = str(error.message);
          attempt.retryable = typeof error.retryable === 'boolean' ? error.retryable : null;
          attempt.nextRetryDelayMs = num(error.nextRetryDelayMs);
        }
        break;
      }
      case 'approval.requested':
      case 'approval.submitted':
      case 'approval.decided':
      case 'approval.expired': {
        const approvalId = str(data.approvalId) ?? '';
        const stepId = str(data.stepId) ?? stepOfApproval.get(approvalId) ?? approvalId.split(':').at(-1) ?? '?';
        stepOfApproval.set(approvalId, stepId);
        const group = stepGroup(stepId, str(data.tool));
        const kind = event.type.slice('approval.'.length) as ApprovalEntry['kind'];
        const by = Array.isArray(data.by) ? data.by.map(actorName) : event.actor ? [actorName(event.actor)] : [];
        group.items.push({
          kind: 'approval',
          group: group.id,
          entry: {
            seq: event.seq,
            at: event.at,
            kind,
            decision: str(data.decision),
            comment: str(data.comment),
            who: by,
            edited: data.editedArgs !== undefined || (kind === 'submitted' && data.args !== null && data.args !== undefined),
          },
        });
        break;
      }
      case 'connection.required':
      case 'connection.resolved':
      case 'connection.expired': {
        const group = stepGroup(str(data.stepId) ?? '?', str(data.tool));
        group.items.push({
          kind: 'connection',
          group: group.id,
          entry: {
            seq: event.seq,
            at: event.at,
            kind: event.type.slice('connection.'.length) as ConnectionEntry['kind'],
            toolkit: str(data.toolkit) ?? '?',
            userId: str(data.userId) ?? '?',
            hint: str(data.message),
            timeout: str(data.timeout),
            connectedAccountId: str(data.connectedAccountId),
            who: event.actor ? actorName(event.actor) : null,
          },
        });
        break;
      }
      case 'model.called': {
        const usage = record(data.usage);
        const group = runGroup();
        group.items.push({
          kind: 'model',
          group: group.id,
          call: {
            seq: event.seq,
            at: event.at,
            turn: num(data.turn) ?? 0,
            model: str(data.model) ?? '?',
            promptTokens: num(usage.promptTokens) ?? 0,
            completionTokens: num(usage.completionTokens) ?? 0,
            totalTokens: num(usage.totalTokens) ?? 0,
            finishReason: str(data.finishReason),
            toolCalls: Array.isArray(data.toolCalls) ? data.toolCalls.map((call) => str(record(call).name) ?? '?') : [],
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
        group.items.push({ kind: 'event', group: group.id, event });
      }
    }
  }
  // The run's own facts first, its outcome last, the steps between in the order they started.
  const rank = (group: Group) => (group.id === 'run' ? 0 : group.id === 'end' ? 2 : 1);
  const ordered = [...groups.values()].sort((a, b) => rank(a) - rank(b));
  return ordered.flatMap((group) => [{ kind: 'group', id: group.id, title: group.title, subtitle: group.subtitle } as TimelineRow, ...group.items]);
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
    if (event.type === 'message.received')
      return [{ seq: event.seq, at: event.at, from: 'user', text: str(event.data.text) ?? '', who: event.actor ? actorName(event.actor) : null }];
    if (event.type === 'model.called' && typeof event.data.content === 'string' && event.data.content !== '') {
      return [{ seq: event.seq, at: event.at, from: 'assistant', text: event.data.content, who: null }];
    }
    return [];
  });
}
