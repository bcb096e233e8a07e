import type { ApiKey, Run, RunDetail, RunEvent, Schedule } from '../lib/api-client';

const maxSummaryLength = 160;

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** ISO time to the second: `2026-01-02T03:04:05Z`. */
export const shortTime = (iso: string | null) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-');

export const runsTable = (runs: Run[]) =>
  formatTable(
    ['ID', 'NAME', 'STATUS', 'CREATED'],
    runs.map((run) => [run.id, run.name ?? '-', run.status, shortTime(run.createdAt)]),
  );

export const keysTable = (keys: ApiKey[]) =>
  formatTable(
    ['ID', 'NAME', 'ROLE', 'TENANT', 'CREATED', 'REVOKED'],
    keys.map((key) => [key.id, key.name, key.role, key.tenantId, shortTime(key.createdAt), shortTime(key.revokedAt)]),
  );

/** `cron 0 * * * *` or `every 15m`, with the time zone when one is set. */
const scheduleWhen = (schedule: Schedule) =>
  `${schedule.cron !== null ? `cron ${schedule.cron}` : `every ${schedule.every ?? '?'}`}${schedule.timezone ? ` (${schedule.timezone})` : ''}`;

export const schedulesTable = (schedules: Schedule[]) =>
  formatTable(
    ['ID', 'WHEN', 'STATE', 'NEXT', 'RUN NAME'],
    schedules.map((schedule) => [
      schedule.id,
      scheduleWhen(schedule),
      schedule.paused ? 'paused' : 'active',
      schedule.paused ? '-' : shortTime(schedule.nextRunTimes[0] ?? null),
      schedule.spec.name ?? '-',
    ]),
  );

/** Label-aligned lines, as `runs show` and `schedules show` print them. */
function labelledLines(lines: Array<[string, string]>): string {
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n') + '\n';
}

export function formatSchedule(schedule: Schedule): string {
  const ticks = schedule.recentRuns.map((tick) => `  ${shortTime(tick.scheduledAt)}  ${tick.runId}\n`).join('');
  return (
    labelledLines([
      ['id', schedule.id],
      ['when', scheduleWhen(schedule)],
      ['state', schedule.paused ? 'paused' : 'active'],
      ['note', schedule.note ?? '-'],
      ['next', schedule.nextRunTimes.map((time) => shortTime(time)).join(', ') || '-'],
      ['run name', schedule.spec.name ?? '-'],
      ['created', `${shortTime(schedule.createdAt)} by ${schedule.createdBy.name ?? schedule.createdBy.id}`],
      ['temporal', schedule.temporalUrl],
    ]) + `recent runs:\n${ticks || '  none yet\n'}`
  );
}

export function formatRun(run: RunDetail): string {
  const calls = run.toolCalls;
  const lines: Array<[string, string]> = [
    ['id', run.id],
    ['name', run.name ?? '-'],
    ['status', run.status],
    ['mode', run.mode],
    ['tags', run.tags.join(', ') || '-'],
    ['current step', run.currentStep ?? '-'],
    ['tool calls', `${calls.started} started, ${calls.succeeded} succeeded, ${calls.failed} failed`],
    ['created', shortTime(run.createdAt)],
    ['started', shortTime(run.startedAt)],
    ['completed', shortTime(run.completedAt)],
    ['last error', run.lastError ? `${run.lastError.errorClass}: ${run.lastError.message}` : '-'],
    ['output', run.output === null || run.output === undefined ? '-' : compactJson(run.output)],
    ['temporal', run.temporalUrl],
  ];
  return labelledLines(lines);
}

/** `seq type summary`, one line per event. */
export function formatEventLine(event: RunEvent): string {
  const summary = summarizeEvent(event);
  return `${String(event.seq).padStart(4)}  ${event.type.padEnd(20)}  ${summary}`.trimEnd() + '\n';
}

/** What a reader wants from each event type, on one line. */
export function summarizeEvent(event: RunEvent): string {
  const data = event.data;
  const text = (key: string) => (typeof data[key] === 'string' || typeof data[key] === 'number' ? String(data[key]) : undefined);
  const call = () => [text('stepId'), text('tool'), text('attempt') && `attempt ${text('attempt')}`].filter(Boolean).join(' ');
  const failure = (value: unknown) => {
    const error = value as { errorClass?: string; message?: string; retryable?: boolean; nextRetryDelayMs?: number | null } | undefined;
    if (!error) return '';
    const retry = error.retryable && error.nextRetryDelayMs ? ` (retry in ${error.nextRetryDelayMs} ms)` : '';
    return `${error.errorClass ?? 'Error'}: ${error.message ?? ''}${retry}`;
  };
  const reason = () => (text('reason') ? `reason: ${text('reason')}` : '');
  const by = event.actor ? ` by ${event.actor.name ?? event.actor.id}` : '';
  let summary: string;
  switch (event.type) {
    case 'run.created':
      summary = [text('mode') && `${text('mode')} run`, text('name') && `"${text('name')}"`].filter(Boolean).join(' ');
      break;
    case 'step.started':
      summary = [text('stepId'), text('tool')].filter(Boolean).join(' ');
      break;
    case 'step.skipped':
      summary = [text('stepId'), text('tool'), text('dependency') ? `(after skipped ${text('dependency')})` : '(when was false)'].filter(Boolean).join(' ');
      break;
    case 'tool.call.started':
      summary = call();
      break;
    case 'tool.call.succeeded':
      summary = `${call()}${text('durationMs') ? ` in ${text('durationMs')} ms` : ''} → ${compactJson(data.output)}`;
      break;
    case 'tool.call.failed':
      summary = `${call()}: ${failure(data.error)}`;
      break;
    case 'model.called': {
      const toolCalls = Array.isArray(data.toolCalls) ? (data.toolCalls as Array<{ name?: string }>) : [];
      const said = toolCalls.length > 0 ? `calls ${toolCalls.map((toolCall) => toolCall.name).join(', ')}` : compactJson(data.content);
      summary = `turn ${text('turn') ?? '?'} ${text('model') ?? ''}: ${said}`;
      break;
    }
    case 'message.received':
      summary = compactJson(data.text);
      break;
    case 'run.completed':
      summary = `output ${compactJson(data.output)}`;
      break;
    case 'run.failed':
      summary = failure(data.error);
      break;
    case 'run.cancel_requested':
    case 'run.cancelled':
    case 'run.terminated':
      summary = reason();
      break;
    case 'run.started':
      summary = '';
      break;
    default:
      summary = Object.keys(data).length > 0 ? compactJson(data) : '';
  }
  return truncate(`${summary}${by}`.trim());
}

function compactJson(value: unknown): string {
  return truncate(JSON.stringify(value) ?? 'null');
}

const truncate = (value: string) => (value.length > maxSummaryLength ? `${value.slice(0, maxSummaryLength - 1)}…` : value);
