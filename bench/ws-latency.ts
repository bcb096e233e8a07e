/**
 * Event commit → ws delivery: K real clients subscribe to one run, then events are appended one at
 * a time; each client's receipt is measured from the moment the writer's commit was acknowledged.
 * Clients and writer share this process's clock, so no cross-process clock skew enters the figure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { appendEvents } from '../lib/event-log';
import { createLogOnlyRun, fillerFact } from './bench-runs';
import { summarizeLatencies, type LatencySummary } from './stats';
import { StreamSubscriber } from './stream-subscriber';

export interface WsDeliveryFigures {
  subscribers: number;
  events: number;
  /** One sample per (event, subscriber). */
  latency: LatencySummary;
  /** Deliveries that did not arrive within the wait (should be 0). */
  missed: number;
}

const deliveryWaitMs = 10_000;

export async function measureWsDelivery(options: {
  db: Knex;
  tenantId: string;
  wsUrl: string;
  apiKey: string;
  subscribers: number;
  events: number;
  /** Pause between events, so each one's fan-out is measured on its own. */
  gapMs: number;
}): Promise<WsDeliveryFigures> {
  const target = { tenantId: options.tenantId, runId: await createLogOnlyRun(options.db, options.tenantId) };
  const arrivals = new Map<number, number[]>();
  let waiter: { seq: number; wake: () => void } | null = null;
  const clients = await StreamSubscriber.connectMany(options.wsUrl, options.apiKey, options.subscribers);
  try {
    for (const client of clients) {
      client.listen((frame, receivedAt) => {
        if (frame.type !== 'event' || frame.runId !== target.runId) return;
        const times = arrivals.get(frame.seq) ?? [];
        times.push(receivedAt);
        arrivals.set(frame.seq, times);
        if (waiter && waiter.seq === frame.seq && times.length === clients.length) waiter.wake();
      });
    }
    const allArrived = async (seq: number) => {
      if ((arrivals.get(seq)?.length ?? 0) >= clients.length) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        waiter = { seq, wake: resolve };
        timer = setTimeout(resolve, deliveryWaitMs);
      });
      clearTimeout(timer);
      waiter = null;
    };

    // Everyone has replayed run.created (seq 1), so every later event is a live delivery.
    for (const client of clients) client.subscribe(target.runId, 0);
    await allArrived(1);

    const latenciesMs: number[] = [];
    let missed = 0;
    for (let index = 1; index <= options.events; index += 1) {
      const seq = index + 1;
      await appendEvents(options.db, target, [fillerFact(target.runId, index)]);
      const committedAt = performance.now();
      await allArrived(seq);
      const times = arrivals.get(seq) ?? [];
      missed += clients.length - times.length;
      latenciesMs.push(...times.map((receivedAt) => receivedAt - committedAt));
      arrivals.delete(seq);
      await sleep(options.gapMs);
    }
    return { subscribers: options.subscribers, events: options.events, latency: summarizeLatencies(latenciesMs), missed };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
