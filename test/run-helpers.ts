import { Client, type Connection } from '@temporalio/client';
import type { Schedule } from '../lib/api-client';
import type { RunEvent } from '../lib/events';
import { parseKeyList } from '../lib/key-list';
import { withSignalSigning } from '../lib/signal-signature';
import type { TestStack } from './stack';
import { sleep, until } from './wait';

/**
 * A Temporal client that signs its signals as the API's does, with the suite's FLIGHTDECK_SIGNAL_KEYS
 * (test/global-setup.ts): for tests that send a signal straight to a run to see how the workflow
 * judges its content. A plain `new Client(…)` is what someone without the keys would send.
 */
export function signingClient(connection: Connection, namespace?: string): Client {
  const keys = parseKeyList(process.env.FLIGHTDECK_SIGNAL_KEYS ?? '');
  return new Client({ connection, ...(namespace ? { namespace } : {}), interceptors: withSignalSigning({}, keys) });
}

/** How many runs this stack's tenant has (other test files share the database): to show a refused start wrote nothing. */
export async function runCountOf(stack: TestStack): Promise<string> {
  return (await stack.db('runs').where({ tenant_id: stack.tenantId }).count<{ count: string }[]>('* as count'))[0]!.count;
}

/** Starts a run through the API; fails the test with the API's answer if it is not 201. */
export async function startRun(stack: TestStack, spec: unknown): Promise<string> {
  const response = await stack.request('POST', '/v1/runs', spec);
  if (response.status !== 201) throw new Error(`POST /v1/runs answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.run.id as string;
}

/** Triggers the schedule, then waits (bounded) until it lists `ticks` recent runs; returns it as served. */
export async function triggerTick(stack: TestStack, scheduleId: string, ticks = 1): Promise<Schedule> {
  await stack.client.controlSchedule(scheduleId, 'trigger');
  return until(() => stack.client.getSchedule(scheduleId), {
    message: `${ticks} tick(s) of schedule ${scheduleId}`,
    done: (current) => current.recentRuns.length >= ticks,
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

/** Who reads a run: the stack's admin key (its tenant), or another key (another tenant's run). */
export type RunReader = TestStack | { stack: TestStack; key: string };

export async function eventsOf(reader: RunReader, runId: string): Promise<RunEvent[]> {
  return (await eventsResponse(reader, runId)).body.events as RunEvent[];
}

async function eventsResponse(reader: RunReader, runId: string): Promise<{ status: number; body: any }> {
  const path = `/v1/runs/${runId}/events?limit=1000`;
  return 'key' in reader ? await callAs(reader.stack, reader.key, 'GET', path) : await reader.request('GET', path);
}

/**
 * Polls the run's events until `done` holds (bounded); returns them. A run not in the log yet (404:
 * a child run whose workflow has not recorded its start) has no events so far.
 */
export const waitForEvents = (reader: RunReader, runId: string, done: (events: RunEvent[]) => boolean, timeoutMs = 30_000): Promise<RunEvent[]> =>
  until(
    async () => {
      const response = await eventsResponse(reader, runId);
      return response.status === 404 ? [] : (response.body.events as RunEvent[]);
    },
    {
      message: `the events of run ${runId}`,
      done,
      timeoutMs,
      describeLast: (events) => `events so far: ${typesOf(events).join(', ')}`,
    },
  );

const endTypes = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.terminated']);

/** Waits until the run has ended; returns its events. */
export const waitForEnd = (reader: RunReader, runId: string, timeoutMs?: number) =>
  waitForEvents(reader, runId, (events) => events.some((event) => endTypes.has(event.type)), timeoutMs);

export const typesOf = (events: RunEvent[]) => events.map((event) => event.type);

/** Calls the API with another key than the admin's; returns status and parsed JSON body. */
export async function callAs(stack: TestStack, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Polls the run's FlightdeckStatus search attribute (bounded) until it is `status`; returns what it last saw. */
export async function searchStatusOf(temporal: Client, runId: string, status: string): Promise<string[]> {
  let seen: string[] = [];
  for (let i = 0; i < 50 && seen[0] !== status; i += 1) {
    seen = ((await temporal.workflow.getHandle(runId).describe()).searchAttributes.FlightdeckStatus as string[]) ?? [];
    if (seen[0] !== status) await sleep(100);
  }
  return seen;
}

/**
 * Fails unless the run's event types are exactly `expected`; `from` compares from that index on,
 * `tail` only the last `expected.length`. The failure shows both lists side by side, with seqs.
 */
export function expectEventTypes(events: RunEvent[], expected: string[], options: { from?: number; tail?: boolean } = {}): void {
  const start = options.tail ? Math.max(0, events.length - expected.length) : (options.from ?? 0);
  const shown = events.slice(start);
  const actual = shown.map((event) => event.type);
  if (actual.length === expected.length && actual.every((type, index) => type === expected[index])) return;
  const width = Math.max(8, ...expected.map((type) => type.length));
  const rows = Array.from({ length: Math.max(actual.length, expected.length) }, (_, index) => {
    const [want, got] = [expected[index] ?? '-', actual[index] ?? '-'];
    const seq = shown[index] ? String(shown[index].seq).padStart(4) : '    ';
    return `${want === got ? ' ' : '✗'} ${seq}  ${want.padEnd(width)}  ${got}`;
  });
  throw new Error(
    [
      `event types differ (${options.tail ? 'last' : 'from index'} ${options.tail ? expected.length : start}):`,
      `       ${'expected'.padEnd(width)}  actual`,
      ...rows,
    ].join('\n'),
  );
}

/** Fails unless `expected` occur among the run's event types in this order (others may come between). */
export function expectEventSubsequence(events: RunEvent[], expected: string[]): void {
  const actual = typesOf(events);
  let next = 0;
  for (const type of actual) if (type === expected[next]) next += 1;
  if (next === expected.length) return;
  throw new Error(
    `event types lack ${expected[next]} (after ${expected.slice(0, next).join(', ') || 'the start'}), in this order: ${expected.join(', ')}\nactual: ${actual.join(', ')}`,
  );
}
