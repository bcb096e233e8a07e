import type { EventDataInput } from '../lib/event-schemas';
import type { EventType, RunEvent } from '../lib/events';
import { createdFact } from './event-facts';
import { eventsAsOfRun } from '../web/lib/run-snapshot';
import { buildTimeline, chatMessages } from '../web/lib/timeline';

let seq = 0;
/** An event as the API serves it, its data checked against its type's schema at compile time. */
const event = <T extends EventType>(type: T, data: EventDataInput<T>, actor: RunEvent['actor'] = null): RunEvent => ({
  runId: 'run_1',
  seq: (seq += 1),
  type,
  at: `2026-11-25T12:00:${String(seq).padStart(2, '0')}.000Z`,
  actor,
  data: data as RunEvent['data'],
  hash: `h${seq}`,
});
const createdData = createdFact('run_1').data as EventDataInput<'run.created'>;
const call = { stepId: 'fetch', tool: 'builtin.flaky', activityId: '3', idempotencyKey: 'run_1:fetch' };

describe('the run timeline (web/lib/timeline.ts)', () => {
  it("folds an MCP tool's progress reports into its attempt: the last one, and how many came", () => {
    seq = 0;
    const mcpCall = { ...call, tool: 'mcp.everything.trigger-long-running-operation' };
    const rows = buildTimeline([
      event('tool.call.started', { ...mcpCall, attempt: 1, args: {}, schemaHash: `sha256:${'0'.repeat(64)}` }),
      event('tool.call.progress', { ...mcpCall, attempt: 1, sequence: 1, progress: 1, total: 3 }),
      event('tool.call.progress', { ...mcpCall, attempt: 1, sequence: 2, progress: 2, total: 3, message: 'halfway' }),
    ]);
    const attempts = rows.flatMap((row) => (row.kind === 'attempt' ? [row.attempt] : []));
    expect(attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'running', progress: { progress: 2, total: 3, message: 'halfway', reports: 2 }, seqs: [1, 2, 3] }),
    ]);
  });

  it('groups by step with every attempt, its duration, error class and retry delay; approvals with who decided; the outcome last', () => {
    seq = 0;
    const admin = { type: 'api_key' as const, id: 'key_1', name: 'alice' };
    const rows = buildTimeline([
      event('run.created', createdData),
      event('run.started', {}),
      event('step.started', { stepId: 'fetch', tool: 'builtin.flaky' }),
      event('approval.requested', {
        approvalId: 'run_1:fetch',
        stepId: 'fetch',
        tool: 'builtin.flaky',
        args: {},
        approvers: ['approver'],
        required: 1,
        onTimeout: 'reject',
        timeout: '1h',
      }),
      event('approval.submitted', { approvalId: 'run_1:fetch', decision: 'approve', comment: 'ok', args: null }, admin),
      event('approval.decided', { approvalId: 'run_1:fetch', decision: 'approve', by: [admin], comment: 'ok' }),
      event('tool.call.started', { ...call, attempt: 1, args: {} }),
      event('tool.call.failed', {
        ...call,
        attempt: 1,
        durationMs: 12,
        error: { errorClass: 'RateLimited', message: '429', retryable: true, nextRetryDelayMs: 2000 },
      }),
      event('tool.call.started', { ...call, attempt: 2, args: {} }),
      event('tool.call.succeeded', { ...call, attempt: 2, durationMs: 5, output: {} }),
      event('run.completed', { output: {} }),
    ]);
    expect(rows.map((row) => (row.kind === 'group' ? `# ${row.id}` : row.kind))).toEqual([
      '# run',
      'event',
      'event',
      '# step:fetch',
      'event',
      'approval',
      'approval',
      'approval',
      'attempt',
      'attempt',
      '# end',
      'event',
    ]);
    const attempts = rows.flatMap((row) => (row.kind === 'attempt' ? [row.attempt] : []));
    expect(attempts).toMatchObject([
      { attempt: 1, outcome: 'failed', durationMs: 12, errorClass: 'RateLimited', nextRetryDelayMs: 2000, seqs: [7, 8] },
      { attempt: 2, outcome: 'succeeded', durationMs: 5, errorClass: null, seqs: [9, 10] },
    ]);
    const decided = rows.find((row) => row.kind === 'approval' && row.entry.kind === 'decided');
    expect(decided).toMatchObject({ entry: { decision: 'approve', who: ['alice'], comment: 'ok' } });
  });

  it('shows model calls with their tokens and cost and reads the chat of a conversational run', () => {
    seq = 0;
    const events = [
      event('run.started', {}),
      event('model.called', {
        turn: 1,
        model: 'm',
        usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 },
        finishReason: 'stop',
        content: 'Hi!',
        toolCalls: [],
      }),
      event('message.received', { index: 1, text: 'hello' }, { type: 'api_key', id: 'key_1', name: 'bob' }),
      event('model.called', {
        turn: 2,
        model: 'm',
        usage: { inputTokens: 20, outputTokens: 0, cachedInputTokens: 5, totalTokens: 20 },
        costUsd: 0.00002,
        finishReason: 'tool_calls',
        content: null,
        toolCalls: [{ id: 'c1', name: 'builtin__echo' }],
      }),
    ];
    const models = buildTimeline(events).flatMap((row) => (row.kind === 'model' ? [row.call] : []));
    expect(models).toMatchObject([
      // An older writer's usage (promptTokens, completionTokens) reads as today's.
      // …and with no cost recorded, it has none (never a guess).
      { turn: 1, totalTokens: 14, inputTokens: 10, outputTokens: 4, cachedInputTokens: 0, costUsd: null },
      { turn: 2, totalTokens: 20, inputTokens: 20, cachedInputTokens: 5, costUsd: 0.00002, toolCalls: ['builtin__echo'] },
    ]);
    expect(chatMessages(events).map((message) => [message.from, message.text, message.who])).toEqual([
      ['assistant', 'Hi!', null],
      ['user', 'hello', 'bob'],
    ]);
  });

  it('puts the Composio connection a step waited for in that step: required with its hint, resolved with who, expired', () => {
    seq = 0;
    const operator = { type: 'api_key' as const, id: 'key_2', name: 'olga' };
    const composioCall = { stepId: 'open', tool: 'composio.GITHUB_CREATE_AN_ISSUE', activityId: '5', idempotencyKey: 'run_1:open' };
    const connect = { method: 'POST' as const, path: '/v1/connections', body: { userId: 'u-1', authConfigId: '<a Composio auth config of github>' } };
    const rows = buildTimeline([
      event('run.started', {}),
      event('tool.call.started', { ...composioCall, attempt: 1, args: {} }),
      event('tool.call.failed', { ...composioCall, attempt: 1, error: { errorClass: 'ConnectionRequired', message: 'no account', retryable: false } }),
      event('connection.required', {
        stepId: 'open',
        tool: composioCall.tool,
        toolkit: 'github',
        userId: 'u-1',
        connectedAccountId: null,
        message: 'No connected account found for user u-1',
        timeout: '24h',
        connect,
      }),
      event('connection.resolved', { stepId: 'open', toolkit: 'github', userId: 'u-1', connectedAccountId: 'ca_1' }, operator),
      event('connection.required', {
        stepId: 'open',
        tool: composioCall.tool,
        toolkit: 'github',
        userId: 'u-1',
        connectedAccountId: 'ca_1',
        message: 'expired again',
        timeout: '1h',
        connect,
      }),
      event('connection.expired', { stepId: 'open', toolkit: 'github', userId: 'u-1', timeout: '1h' }),
    ]);
    expect(rows.map((row) => (row.kind === 'group' ? `# ${row.id}` : row.kind))).toEqual([
      '# run',
      'event',
      '# step:open',
      'attempt',
      'connection',
      'connection',
      'connection',
      'connection',
    ]);
    expect(rows.flatMap((row) => (row.kind === 'connection' ? [row.entry] : []))).toMatchObject([
      { kind: 'required', toolkit: 'github', userId: 'u-1', hint: 'No connected account found for user u-1', timeout: '24h', who: null },
      { kind: 'resolved', toolkit: 'github', userId: 'u-1', connectedAccountId: 'ca_1', who: 'olga' },
      { kind: 'required', hint: 'expired again', timeout: '1h' },
      { kind: 'expired', toolkit: 'github', userId: 'u-1', timeout: '1h', hint: null },
    ]);
  });
  it("shows a definition's custom.<name> events in the run group with their name and a JSON preview, cut when long", () => {
    seq = 0;
    const rows = buildTimeline([
      event('run.started', {}),
      event('custom.progress', { done: 1, of: 2 }),
      event('custom.report.ready', { text: 'x'.repeat(400) }),
    ]);
    const custom = rows.flatMap((row) => (row.kind === 'custom' ? [row.entry] : []));
    expect(custom).toMatchObject([
      { seq: 2, name: 'progress', preview: '{"done":1,"of":2}' },
      { seq: 3, name: 'report.ready' },
    ]);
    expect(custom[1]!.preview).toHaveLength(301);
    expect(custom[1]!.preview.endsWith('…')).toBe(true);
  });

  it('puts a child run (ctx.run) under the step that started it: started with its definition, then its outcome', () => {
    seq = 0;
    const child = 'run_1.issue';
    const rows = buildTimeline([
      event('run.started', {}),
      event('child.started', { childRunId: child, definition: 'issue-refund', step: 'issue' }),
      event('child.failed', { childRunId: child, step: 'issue', error: { errorClass: 'ToolFailed', message: 'no', retryable: false } }),
      event('run.failed', { error: { errorClass: 'ChildRunFailed', message: 'child failed', retryable: false, step: 'issue' } }),
    ]);
    expect(
      rows.map((row) => (row.kind === 'group' ? `# ${row.id} ${row.subtitle ?? ''}`.trim() : `${row.kind} ${row.kind === 'event' ? row.event.type : ''}`)),
    ).toEqual(['# run', 'event run.started', '# step:issue run issue-refund', 'event child.started', 'event child.failed', '# end', 'event run.failed']);
  });
  it('puts steps whose execution overlapped side by side in lanes, and the steps before and after as before', () => {
    seq = 0;
    const attempt = (stepId: string, activityId: string) => ({ stepId, tool: 'builtin.echo', activityId, idempotencyKey: `run_1/${stepId}` });
    const rows = buildTimeline([
      event('run.started', {}),
      event('step.started', { stepId: 'a', tool: 'builtin.echo' }),
      event('tool.call.succeeded', { ...attempt('a', '1'), attempt: 1, durationMs: 1, output: {} }),
      // b and c overlap; d starts after b ended but while c still runs, so it shares b's lane.
      event('step.started', { stepId: 'b', tool: 'builtin.echo' }),
      event('step.started', { stepId: 'c', tool: 'builtin.echo' }),
      event('tool.call.succeeded', { ...attempt('b', '2'), attempt: 1, durationMs: 1, output: {} }),
      event('step.skipped', { stepId: 'd', tool: 'builtin.echo', reason: 'condition' }),
      event('tool.call.succeeded', { ...attempt('c', '3'), attempt: 1, durationMs: 1, output: {} }),
      event('step.started', { stepId: 'e', tool: 'builtin.echo' }),
      event('run.completed', { output: {} }),
    ]);
    expect(rows.map((row) => (row.kind === 'group' ? `# ${row.id}` : row.kind))).toEqual([
      '# run',
      'event',
      '# step:a',
      'event',
      'attempt',
      'lanes',
      '# step:e',
      'event',
      '# end',
      'event',
    ]);
    const lanes = rows.find((row) => row.kind === 'lanes');
    expect(lanes?.kind === 'lanes' && lanes.lanes.map((lane) => lane.map((row) => (row.kind === 'group' ? `# ${row.id}` : row.kind)))).toEqual([
      ['# step:b', 'event', 'attempt', '# step:d', 'event'],
      ['# step:c', 'event', 'attempt'],
    ]);
  });

  it("shows an event whose data is not of its type's shape (an older writer's) as it is, in the run group", () => {
    seq = 0;
    const odd: RunEvent = { ...event('run.started', {}), type: 'step.started', data: { step: 'old-style' } };
    const rows = buildTimeline([odd]);
    expect(rows).toEqual([
      { kind: 'group', id: 'run', title: 'Run', subtitle: null },
      { kind: 'event', group: 'run', event: odd },
    ]);
  });
});

describe("the run page's first read (web/lib/run-snapshot.ts)", () => {
  const log = () => {
    seq = 0;
    return [
      event('run.created', createdData),
      event('run.started', {}),
      event('step.started', { stepId: 'open', tool: 'builtin.echo' }),
      event('run.completed', { output: {} }),
    ];
  };

  it('cuts events read after the run row back to its lastSeq, so run.completed comes over the stream (and refreshes the header) instead of hiding in the first read', () => {
    const shown = eventsAsOfRun({ lastSeq: 3 }, log());
    expect(shown.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(shown.map((e) => e.type)).not.toContain('run.completed');
  });

  it('keeps every event when the row is as new as the events or newer (the stream starts after the last one shown)', () => {
    expect(eventsAsOfRun({ lastSeq: 4 }, log())).toHaveLength(4);
    expect(eventsAsOfRun({ lastSeq: 9 }, log().slice(0, 2)).map((e) => e.seq)).toEqual([1, 2]);
  });
});
