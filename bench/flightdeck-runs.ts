/**
 * System (b) of the comparison: a Flightdeck plan run of N `builtin.echo` steps, started with
 * `POST /v1/runs` and followed by a real ws subscriber (afterSeq 0) until `run.completed`. Its latency
 * is the user's: from sending the POST to receiving the last event of the full event log.
 */
import type { RunSystem } from './run-system';
import { StreamSubscriber } from './stream-subscriber';

export interface FlightdeckEndpoint {
  apiUrl: string;
  wsUrl: string;
  apiKey: string;
}

const runTimeoutMs = 120_000;

export function echoPlanSpec(steps: number): {
  name: string;
  tags: string[];
  plan: { steps: Array<{ id: string; tool: string; args: Record<string, unknown> }> };
} {
  return {
    name: `bench-echo-${steps}`,
    tags: ['bench'],
    plan: { steps: Array.from({ length: steps }, (_, index) => ({ id: `step${index + 1}`, tool: 'builtin.echo', args: { step: index + 1 } })) },
  };
}

/** run.created, run.started, then step.started + tool.call.started + tool.call.succeeded a step, run.completed. */
export const expectedEventCount = (steps: number): number => 3 * steps + 3;

/** `POST /v1/runs`; throws unless the API answered 201 with a run id. */
export async function postRun(endpoint: FlightdeckEndpoint, spec: unknown): Promise<string> {
  const response = await fetch(`${endpoint.apiUrl}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${endpoint.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  const body = (await response.json()) as { run?: { id?: string } };
  if (response.status !== 201 || !body.run?.id) throw new Error(`POST /v1/runs answered ${response.status}: ${JSON.stringify(body)}`);
  return body.run.id;
}

/** Subscribes from seq 0 and resolves once run.completed arrives, checking seq 1..n with no gap. */
export function watchRunToCompletion(subscriber: StreamSubscriber, runId: string, expectedEvents: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let lastSeq = 0;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      subscriber.listen(null);
      subscriber.unsubscribe(runId);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`run ${runId}: no run.completed within ${runTimeoutMs / 1000} s (last seq ${lastSeq})`)), runTimeoutMs);
    subscriber.listen((frame) => {
      if (frame.type === 'error') return finish(new Error(`run ${runId}: stream error ${JSON.stringify(frame.error)}`));
      if (frame.type !== 'event' || frame.runId !== runId) return;
      if (frame.seq !== lastSeq + 1) return finish(new Error(`run ${runId}: seq ${frame.seq} after ${lastSeq}`));
      lastSeq = frame.seq;
      const type = frame.event.type;
      if (type === 'run.failed' || type === 'run.cancelled' || type === 'run.terminated') return finish(new Error(`run ${runId} ended ${type}`));
      if (type !== 'run.completed') return;
      finish(lastSeq === expectedEvents ? undefined : new Error(`run ${runId}: ${lastSeq} events, expected ${expectedEvents}`));
    });
    subscriber.subscribe(runId, 0);
  });
}

/** What a Flightdeck run of N steps is: its POST body and how many events its log ends with. */
export interface RunShape {
  spec(steps: number): unknown;
  events(steps: number): number;
}

export const echoPlanShape: RunShape = { spec: echoPlanSpec, events: expectedEventCount };

/** The N-step echo plan as a definition (bench/definitions/bench-echo-chain.ts): the same calls and events. */
export const echoDefinitionShape: RunShape = {
  spec: (steps) => ({ definition: 'bench-echo-chain', name: `bench-definition-${steps}`, tags: ['bench'], input: { steps } }),
  events: expectedEventCount,
};

/** One ws connection per virtual user, opened before the round; each run is its own subscription. */
export function flightdeckSystem(endpoint: FlightdeckEndpoint, shape: RunShape = echoPlanShape, name = 'flightdeck'): RunSystem {
  return subscriberSystem(endpoint, name, async (subscriber, steps) => {
    const runId = await postRun(endpoint, shape.spec(steps));
    await watchRunToCompletion(subscriber, runId, shape.events(steps));
  });
}

/** A system whose virtual users each hold one ws connection, opened before the round, and run with it. */
export function subscriberSystem(
  endpoint: FlightdeckEndpoint,
  name: string,
  runOnce: (subscriber: StreamSubscriber, steps: number) => Promise<void>,
): RunSystem {
  return {
    name,
    async open(concurrency) {
      const subscribers = await StreamSubscriber.connectMany(endpoint.wsUrl, endpoint.apiKey, concurrency);
      return {
        async runOnce(steps, user) {
          const subscriber = subscribers[user];
          if (!subscriber) throw new Error(`no subscriber for virtual user ${user}`);
          await runOnce(subscriber, steps);
        },
        close: async () => {
          await Promise.all(subscribers.map((subscriber) => subscriber.close()));
        },
      };
    },
  };
}
