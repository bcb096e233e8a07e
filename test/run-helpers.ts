import type { Client } from '@temporalio/client';
import type { RunEvent } from '../lib/events';
import type { TestStack } from './stack';

/** Starts a run through the API; fails the test with the API's answer if it is not 201. */
export async function startRun(stack: TestStack, spec: unknown): Promise<string> {
  const response = await stack.request('POST', '/v1/runs', spec);
  if (response.status !== 201) throw new Error(`POST /v1/runs answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.run.id as string;
}

export async function eventsOf(stack: TestStack, runId: string): Promise<RunEvent[]> {
  const response = await stack.request('GET', `/v1/runs/${runId}/events?limit=1000`);
  return response.body.events as RunEvent[];
}

/** Polls the run's events until `done` holds (bounded); returns them. */
export async function waitForEvents(stack: TestStack, runId: string, done: (events: RunEvent[]) => boolean, timeoutMs = 30_000): Promise<RunEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await eventsOf(stack, runId);
    if (done(events)) return events;
    if (Date.now() > deadline) throw new Error(`timed out; events so far: ${events.map((event) => event.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const endTypes = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.terminated']);

/** Waits until the run has ended; returns its events. */
export const waitForEnd = (stack: TestStack, runId: string, timeoutMs?: number) =>
  waitForEvents(stack, runId, (events) => events.some((event) => endTypes.has(event.type)), timeoutMs);

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
    if (seen[0] !== status) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

/** Polls `read` until `done` holds (bounded by a generous deadline, never a proof by sleeping); returns the last value. */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
