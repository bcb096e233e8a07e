import { createLogOnlyRun, fillerFact } from '../bench/bench-runs';
import type { Knex } from 'knex';
import { createDb } from '../lib/db';
import { appendEvents } from '../lib/event-log';
import { streamReadsTotal } from '../lib/metrics';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';

/**
 * Subscribers of one run share the read each notice triggers (api/stream/run-feed.ts): whatever moment
 * each one joins, and however appends and notices interleave, every one gets seq 1..n exactly once.
 */
describe('ws fan-out to many subscribers of one run', () => {
  /** Another pool on the same database: a writer in another process, as far as the API can tell. */
  let otherWriter: Knex;
  const stack = useTestStack({ worker: 'none' });
  beforeAll(async () => {
    otherWriter = createDb(process.env.DATABASE_URL!);
  });
  afterAll(async () => {
    await otherWriter?.destroy();
  });
  const reads = async () => {
    const values = (await streamReadsTotal.get()).values;
    const of = (source: string) => values.find((value) => value.labels.source === source)?.value ?? 0;
    return { memory: of('memory'), table: of('table') };
  };

  it('delivers every event once, in order, to early and late subscribers alike', async () => {
    const runId = await createLogOnlyRun(stack.db, stack.tenantId);
    const target = { tenantId: stack.tenantId, runId };
    const fact = (index: number) => fillerFact(runId, index);

    const clients = await Promise.all(Array.from({ length: 12 }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey)));
    try {
      const early = clients.slice(0, 8);
      const late = clients.slice(8);
      for (const client of early) client.send({ type: 'subscribe', runId, afterSeq: 0 });
      // Bursts of appends without waiting for delivery, so notices arrive while reads are in flight.
      for (let index = 1; index <= 20; index += 1) {
        await appendEvents(stack.db, target, [fact(index)]);
        if (index === 10) for (const [offset, client] of late.entries()) client.send({ type: 'subscribe', runId, afterSeq: offset });
      }
      await Promise.all([appendEvents(stack.db, target, [fact(21), fact(22)]), appendEvents(stack.db, target, [fact(23)])]);

      const lastSeq = 24;
      for (const [index, client] of clients.entries()) {
        await client.waitFor(() => client.events(runId).some((frame) => frame.seq === lastSeq));
        const afterSeq = index < 8 ? 0 : index - 8;
        expect(client.events(runId).map((frame) => frame.seq)).toEqual(Array.from({ length: lastSeq - afterSeq }, (_, offset) => afterSeq + offset + 1));
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it("sends this process's appends from memory and another writer's from the table, interleaved, each seq once and in order", async () => {
    // The API's pool is stack.db: appends through it are this process's, handed to the hub as they commit.
    const runId = await createLogOnlyRun(otherWriter, stack.tenantId);
    const target = { tenantId: stack.tenantId, runId };
    const clients = await Promise.all(Array.from({ length: 3 }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey)));
    try {
      for (const client of clients) client.send({ type: 'subscribe', runId, afterSeq: 0 });
      for (const client of clients) await client.waitFor(() => client.events(runId).length === 1);

      const before = await reads();
      const localAppends = 20;
      for (let index = 1; index <= localAppends; index += 1) await appendEvents(stack.db, target, [fillerFact(runId, index)]);
      for (const client of clients) await client.waitFor(() => client.events(runId).length === 1 + localAppends);
      const local = await reads();
      // Answered from memory; a table read only where a NOTIFY overtook its own append's reply by
      // more than a turn of the event loop (rare; more on a loaded machine). Read back per notice,
      // as before memory, it was one read per append at least.
      expect(local.memory - before.memory).toBeGreaterThanOrEqual(localAppends);
      expect(local.table - before.table).toBeLessThan(localAppends / 2);

      // Both writers at once, several appends in flight: the other's events only come by the table.
      let next = localAppends;
      const mixed = Array.from({ length: 30 }, (_, index) => {
        next += 1;
        return appendEvents(index % 3 === 0 ? otherWriter : stack.db, target, [fillerFact(runId, next)]);
      });
      await Promise.all(mixed);
      const lastSeq = 1 + next;
      for (const client of clients) {
        await client.waitFor(() => client.events(runId).some((frame) => frame.seq === lastSeq));
        expect(client.events(runId).map((frame) => frame.seq)).toEqual(Array.from({ length: lastSeq }, (_, index) => index + 1));
      }
      expect((await reads()).table).toBeGreaterThan(local.table);
      // What memory sent is what the table holds, hash for hash.
      const stored = await stack.db('run_events').where({ run_id: runId }).orderBy('seq').select('seq', 'hash');
      expect(clients[0]!.events(runId).map((frame) => ({ seq: frame.seq, hash: frame.event.hash }))).toEqual(stored);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
